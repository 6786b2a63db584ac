import ArgumentParser
import Foundation
import Harness
import StoreCatalog

/// The `surgebench` command line.
@main
struct SurgeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surgebench",
        abstract: "Which message store survives a registration surge, with what throughput and tail latency?",
        discussion: "Start with `surgebench run` (the outage-2021 scenario against " + BackendCatalog.defaultNames.joined(separator: ", ") + ").",
        subcommands: [Run.self, Merge.self, Report.self, Compare.self, Check.self, Conform.self, Capacity.self, Grow.self, Crash.self, CrashChild.self, CrashCheckChild.self, ApplyPowerCut.self, Scenarios.self, Generate.self, Trace.self, Backends.self, PgbenchCheckCommand.self,
                      RedisBenchmarkCheckCommand.self])

    /// With this environment variable set, a command line is parsed and validated but not run: how a command line
    /// written elsewhere (a Kubernetes manifest, a CI script) is checked against this binary's options.
    static let checkArgumentsVariable = "SURGEBENCH_CHECK_ARGUMENTS"

    /// Runs the command; one stopped by Ctrl-C or SIGTERM exits with 130 or 143 whatever it returned.
    static func main() {
        TimerSlack.tighten()  // before any thread starts, so that every one inherits it
        do {
            var command = try parseAsRoot()
            if ProcessInfo.processInfo.environment[checkArgumentsVariable] != nil {
                print("surgebench: the command line is valid (\(checkArgumentsVariable) is set: not run)")
                return
            }
            try command.run()
        } catch {
            if let status = interruptionExitStatus {
                if !(error is ExitCode) { FileHandle.standardError.write(Data("surgebench: \(fullMessage(for: error))\n".utf8)) }
                Foundation.exit(status)
            }
            exit(withError: error)
        }
        if let status = interruptionExitStatus { Foundation.exit(status) }
    }
}

/// An error of ours for the command line: printed as is, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
