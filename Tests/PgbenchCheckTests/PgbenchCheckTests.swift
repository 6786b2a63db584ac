import PgbenchCheck
import SurgeCore
import Testing

/// The postgres backend's honesty test, on a throwaway server it starts itself.
@Suite("pgbench check", .serialized)
struct PgbenchCheckTests {
    @Test("the pgbench check runs both tools on one server and reports every run")
    func pgbenchCheck() throws {
        let check = PgbenchCheck(options: BackendOptions(), workers: 2, seconds: 1, rounds: 1, pairs: 20, rate: 100, seed: 1)
        let report = try check.run(say: { _ in })
        #expect(report.runs.count == 4)
        for run in report.runs {
            #expect(run.failures == 0 && run.latency.totalCount > 10, "\(run.tool) \(run.load): \(run.latency.totalCount)")
            if case .fixedRate = run.load { #expect(abs(run.transactionsPerSecond - 100) < 40, "\(run.tool): \(run.transactionsPerSecond)") }
        }
        #expect(report.markdown.contains("| closed loop | pgbench |"))
    }
}
