import ArgumentParser
import Workload

extension SurgeBench {
    /// `surgebench scenarios [show NAME]`.
    struct Scenarios: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in scenarios, or print one as YAML to copy and edit.",
            subcommands: [List.self, Show.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the built-in scenarios.")

            func run() throws {
                for (name, _) in BuiltInScenarios.all {
                    let scenario = try BuiltInScenarios.scenario(named: name)
                    print("\(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(Int(scenario.duration.seconds)) s, "
                          + "\(scenario.population.users) users  \(scenario.description)")
                }
                print("\n`surgebench scenarios show NAME` prints one as YAML; edit it and pass the file to --scenario.")
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print a built-in scenario's YAML, with its comments.")

            @Argument(help: "The scenario's name.")
            var name: String

            func run() throws {
                guard let entry = BuiltInScenarios.all.first(where: { $0.name == name }) else {
                    throw CommandFailure("unknown scenario '\(name)'; built-in scenarios: \(BuiltInScenarios.all.map(\.name).joined(separator: ", "))")
                }
                print(entry.yaml)
            }
        }
    }
}
