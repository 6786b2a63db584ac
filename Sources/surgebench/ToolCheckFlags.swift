import ArgumentParser
import Foundation
import Workload

/// What the clients' honesty checks (`pgbench-check`, `redis-benchmark-check`) share on the command line: the
/// backend's options and where to write the table.
struct ToolCheckFlags: ParsableArguments {
    @OptionGroup var backendOptions: BackendOptionFlags
    var options: [String] { backendOptions.assignments }

    @Option(help: "Also write the table to this Markdown file.")
    var out: String?

    /// Prints the check's table and writes it to `--out` when given.
    func finish(_ markdown: String) throws {
        say("\n" + markdown)
        if let out { try AtomicFile.write(markdown, to: out) }
    }
}
