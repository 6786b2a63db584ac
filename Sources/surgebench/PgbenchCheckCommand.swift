import ArgumentParser
import Foundation
import Orchestration
import PgbenchCheck
import StoreCatalog
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench pgbench-check`: SurgeBench's path to PostgreSQL against pgbench's, on one server.
    struct PgbenchCheckCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pgbench-check",
            abstract: "Check that SurgeBench's path to PostgreSQL costs no more than pgbench's.",
            discussion: """
                On one server (a throwaway one SurgeBench starts, or url=), loads direct chats with SurgeBench, then runs the \
                same transaction (a send, then a page of history, with the postgres backend's own prepared SQL) through \
                SurgeBench and through pgbench (-M prepared -c W -j W), closed loop and at a fixed rate (--rate; latency \
                from the scheduled start), interleaved round by round, and prints a side-by-side table of medians.
                """)

        @Option(help: "Connections, each on its own thread, for both tools.")
        var workers = 4

        @Option(help: "Seconds per run.")
        var seconds = 10

        @Option(help: "Interleaved rounds (each: both tools closed loop, then both at the fixed rate).")
        var rounds = 3

        @Option(help: "Direct chats to load (two users each); each transaction picks one at random.")
        var pairs = 1000

        @Option(help: "The fixed rate in transactions/s; default: half of the slower tool's closed-loop throughput in round 1.")
        var rate: Double?

        @OptionGroup var flags: ToolCheckFlags
        var options: [String] { flags.options }

        func validate() throws {
            do { try Limits.check("workers", workers, in: Limits.workers) } catch { throw ValidationError(error.message) }
            guard (1...3600).contains(seconds) else { throw ValidationError("--seconds must be from 1 to 3600") }
            guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 100") }
            guard (1...1_000_000).contains(pairs) else { throw ValidationError("--pairs must be from 1 to 1,000,000") }
            if let rate, !(rate >= 1 && rate <= 10_000_000) { throw ValidationError("--rate must be from 1 to 10,000,000 transactions/s") }
            do { _ = try selectBackend("postgres", options: options, durability: .power) } catch { throw ValidationError(error.message) }
        }

        func run() throws {
            installInterruptHandler()
            var check = PgbenchCheck(options: try selectBackend("postgres", options: options, durability: .power).options, workers: workers, seconds: seconds,
                                     rounds: rounds, pairs: pairs, rate: rate, seed: 42)
            check.stop = interruption
            try flags.finish(try check.run(say: { say($0) }).markdown)
        }
    }
}
