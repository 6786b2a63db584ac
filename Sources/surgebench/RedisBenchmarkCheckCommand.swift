import ArgumentParser
import Foundation
import RedisBenchmarkCheck
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench redis-benchmark-check`: SurgeBench's Redis Cluster client against redis-benchmark, on one cluster.
    struct RedisBenchmarkCheckCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redis-benchmark-check",
            abstract: "Check that SurgeBench's Redis Cluster client costs no more than redis-benchmark.",
            discussion: """
                On a throwaway cluster SurgeBench starts, makes one direct chat, then runs the same Redis Function calls (a \
                send to the chat, a page of its history; the backend's own functions, keys and arguments) through SurgeBench \
                and through redis-benchmark (-c W --threads W -P 1, against the master serving the chat), closed loop, \
                interleaved round by round, and prints a side-by-side table of medians.
                """)

        @Option(help: "Connections, each on its own thread, for both tools.")
        var workers = 8

        @Option(help: "Calls per run.")
        var requests = 100_000

        @Option(help: "Interleaved rounds (each: both tools, send then history).")
        var rounds = 3

        @OptionGroup var flags: ToolCheckFlags
        var options: [String] { flags.options }

        func validate() throws {
            do { try Limits.check("workers", workers, in: Limits.workers) } catch { throw ValidationError(error.message) }
            guard (1_000...100_000_000).contains(requests) else { throw ValidationError("--requests must be from 1,000 to 100,000,000") }
            guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 100") }
            let chosen: BackendOptions
            do { chosen = try selectBackend("redis-cluster", options: options, durability: .power).options } catch { throw ValidationError(error.message) }
            guard chosen.values["nodes"] == nil else {
                throw ValidationError("redis-benchmark-check starts its own cluster (it writes to it); leave out nodes=")
            }
        }

        func run() throws {
            installInterruptHandler()
            var check = RedisBenchmarkCheck(options: try selectBackend("redis-cluster", options: options, durability: .power).options,
                                            workers: workers, requests: requests, rounds: rounds)
            check.stop = interruption
            try flags.finish(try check.run(say: { say($0) }).markdown)
        }
    }
}
