import Harness
import RedisClusterStore
import SurgeCore

/// The honesty test of the `redis-cluster` backend's own client (its slot routing over hiredis): on one throwaway
/// cluster, the same Redis Function calls (a send to one chat, a page of its history) with the same keys and arguments,
/// driven by SurgeBench and by redis-benchmark with the same number of connections, each on its own thread, closed
/// loop and without pipelining, interleaved round by round. SurgeBench's figures for Redis are believable when its
/// throughput is within a few percent of redis-benchmark's.
public struct RedisBenchmarkCheck: Sendable {
    /// The operations compared, each run on its own.
    public enum Operation: String, Sendable, CaseIterable {
        case send
        case history
    }

    public var options: BackendOptions
    public var workers: Int
    /// Calls per run (both tools make the same number).
    public var requests: Int
    public var rounds: Int
    /// Ends the check between runs and inside SurgeBench's own runs when requested.
    public var stop = StopSignal()

    /// A check of the redis-cluster backend opened with `options`: `rounds` rounds of `requests` calls per tool and
    /// operation over `workers` connections.
    public init(options: BackendOptions, workers: Int, requests: Int, rounds: Int) {
        self.options = options
        self.workers = workers
        self.requests = requests
        self.rounds = rounds
    }

    /// Starts the cluster, makes the chat, and runs the rounds; `say` reports each run as it ends.
    public func run(say: (String) -> Void) throws(BenchmarkError) -> RedisBenchmarkCheckReport {
        do throws(StoreError) {
            return try runRounds(say: say)
        } catch {
            throw BenchmarkError(error)
        }
    }

    private func runRounds(say: (String) -> Void) throws(StoreError) -> RedisBenchmarkCheckReport {
        let store = try RedisClusterMessageStore(configuration: RedisClusterMessageStore.Configuration(options))
        defer { store.close() }
        let control = try store.connect()
        let chat = try CheckChat.make(on: control, store: store)
        say("one direct chat on master \(chat.master) (slot \(chat.slot)); \(rounds) rounds of \(requests) calls per tool and operation, "
            + "\(workers) connections, each on its own thread")
        var runs: [RedisCheckRun] = []
        for round in 0..<rounds {
            // Each round alternates which tool goes first, so that a server warming up favours neither.
            let tools = round % 2 == 0 ? RedisCheckRun.Tool.allCases : RedisCheckRun.Tool.allCases.reversed()
            for operation in Operation.allCases {
                for tool in tools {
                    guard !stop.isRequested else { throw StoreError(.engine, "interrupted (Ctrl-C)") }
                    let before = try chat.lastSequence(on: control)
                    let run = switch tool {
                    case .surgebench:
                        try SurgeBenchRedisDriver.run(store, chat: chat, operation: operation, workers: workers, requests: requests,
                                                      stop: stop)
                    case .redisBenchmark:
                        try RedisBenchmarkDriver.run(chat: chat, operation: operation, workers: workers, requests: requests)
                    }
                    // Every send must have written a message (but for the few redis-benchmark draws an id twice): a tool
                    // whose calls came back as errors measured errors.
                    let written = try chat.lastSequence(on: control) - before
                    let expected = operation == .send ? UInt64(requests - run.failures) : 0
                    guard written <= expected, written >= expected - expected / 1000 else {
                        throw StoreError(.engine, "\(tool.rawValue)'s \(operation.rawValue) calls wrote \(written) messages, not \(expected): "
                            + "its replies were errors, and its figures would measure them")
                    }
                    runs.append(run)
                    say("round \(round + 1): \(RedisBenchmarkCheckReport.describe(run))")
                }
            }
        }
        return RedisBenchmarkCheckReport(runs: runs, workers: workers, requests: requests, settings: store.statistics().settings ?? [:])
    }
}
