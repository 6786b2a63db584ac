import ArgumentParser

/// The `surgebench` command line.
@main
struct SurgeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surgebench",
        abstract: "Which message store survives a registration surge, with what throughput and tail latency?",
        discussion: "Start with `surgebench run` (the outage-2021 scenario against memory, sqlite and lmdb).",
        subcommands: [Run.self, Merge.self, Report.self, Compare.self, Check.self, Capacity.self, Grow.self, Crash.self, CrashChild.self, Scenarios.self, Generate.self, Trace.self, Backends.self, PgbenchCheckCommand.self])
}

/// An error of ours for the command line: printed as is, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
