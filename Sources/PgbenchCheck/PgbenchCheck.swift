import Harness
import PostgresStore
import SurgeCore

/// The honesty test of the `postgres` backend: on one server, the same transaction (a send, then a page of history,
/// with the store's own SQL) driven by SurgeBench and by pgbench with the same number of connections and threads,
/// closed loop and at a fixed rate, interleaved round by round. SurgeBench's figures for PostgreSQL are believable
/// when its closed-loop throughput is at least pgbench's and its percentiles at a fixed rate match pgbench's.
public struct PgbenchCheck: Sendable {
    public var options: BackendOptions
    public var workers: Int
    public var seconds: Int
    public var rounds: Int
    public var pairs: Int
    /// The fixed rate in transactions per second; nil: half of the slower tool's closed-loop throughput in round 1.
    public var rate: Double?
    public var seed: UInt64
    /// Ends the check between runs and inside SurgeBench's own runs when requested.
    public var stop = StopSignal()

    /// A check of the postgres backend opened with `options`: `rounds` rounds of `seconds` s per tool and load, with
    /// `workers` connections over `pairs` direct chats, at `rate` (nil: derived from round 1), seeded by `seed`.
    public init(options: BackendOptions, workers: Int, seconds: Int, rounds: Int, pairs: Int, rate: Double?, seed: UInt64) {
        self.options = options
        self.workers = workers
        self.seconds = seconds
        self.rounds = rounds
        self.pairs = pairs
        self.rate = rate
        self.seed = seed
    }

    /// Starts (or reaches) the server, loads the population, and runs the rounds; `say` reports each run as it ends.
    public func run(say: (String) -> Void) throws(BenchmarkError) -> PgbenchCheckReport {
        do throws(StoreError) {
            return try runRounds(say: say)
        } catch {
            throw BenchmarkError(error)
        }
    }

    private func runRounds(say: (String) -> Void) throws(StoreError) -> PgbenchCheckReport {
        let store = try PostgresMessageStore(configuration: PostgresMessageStore.Configuration(options))
        defer { store.close() }
        let workload = try CheckWorkload.load(on: try store.connect(), pairs: pairs)
        say("loaded \(pairs) direct chats (\(2 * pairs) users); \(rounds) rounds of \(seconds) s per tool and load, "
            + "\(workers) connections and threads each")
        var runs: [CheckRun] = []
        var fixedRate = rate
        for round in 0..<rounds {
            // Each round alternates which tool goes first, so that a server warming up favours neither.
            let tools = round % 2 == 0 ? CheckRun.Tool.allCases : CheckRun.Tool.allCases.reversed()
            for fixed in [false, true] {
                let resolvedLoad: CheckRun.Load = fixed ? .fixedRate(try resolveRate(&fixedRate, from: runs)) : .closedLoop
                for tool in tools {
                    guard !stop.isRequested else { throw StoreError(.engine, "interrupted (Ctrl-C)") }
                    let run = switch tool {
                    case .surgebench:
                        try SurgeBenchDriver.run(store, workload: workload, workers: workers, seconds: seconds, load: resolvedLoad,
                                                 seed: seed &+ UInt64(round), stop: stop)
                    case .pgbench:
                        try PgbenchDriver.run(connectionString: store.connectionString, workload: workload, workers: workers,
                                              seconds: seconds, load: resolvedLoad)
                    }
                    runs.append(run)
                    say("round \(round + 1): \(PgbenchCheckReport.describe(run))")
                }
            }
        }
        return PgbenchCheckReport(runs: runs, workers: workers, seconds: seconds, settings: store.statistics().settings ?? [:])
    }

    /// The fixed rate: as given, or half of the slower tool's closed-loop throughput so far.
    private func resolveRate(_ rate: inout Double?, from runs: [CheckRun]) throws(StoreError) -> Double {
        if let rate { return rate }
        let closed = runs.filter { $0.load == .closedLoop }.map(\.transactionsPerSecond)
        guard let slowest = closed.min(), slowest >= 2 else {
            throw StoreError(.engine, "the closed-loop runs completed too few transactions to choose a fixed rate; give --rate")
        }
        rate = slowest / 2
        return slowest / 2
    }
}
