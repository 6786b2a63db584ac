import ArgumentParser

/// The `surgebench` command line.
@main
struct SurgeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surgebench",
        abstract: "Which message store survives a registration surge, with what throughput and tail latency?",
        subcommands: [Backends.self])
}
