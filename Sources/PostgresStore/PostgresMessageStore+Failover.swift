import CPostgres
import Foundation
import SurgeCore

/// A failover, as a primary's machine dying makes one: the primary killed, the synchronous standby promoted by
/// `pg_ctl promote` (what an operator or a failover manager does), the workers' connections opened again on it.
extension PostgresMessageStore: FaultInjecting {
    public func inject(_ fault: StoreFault) throws(StoreError) -> FaultEffect {
        guard fault.kind == .killMaster else {
            throw StoreError(.invalidOption, "postgres makes only kill-master faults (the primary killed, its standby promoted), not \(fault.kind.rawValue)")
        }
        guard let server, configuration.durability == .replicated else {
            throw StoreError(.invalidOption, "kill-master on postgres needs durability=replicated on a server SurgeBench starts: its standby takes over")
        }
        let watch = WriteOutageWatch(startNanos: MonotonicClock.now())
        failoverWatch.withLock { $0 = watch }
        try server.failOver()
        return FaultEffect(summary: "killed the primary; promoted the standby (pg_ctl promote), which serves without a synchronous standby", writes: watch)
    }

    /// Waits up to 30 s until a new connection reaches a server that takes writes.
    public func awaitSettled() {
        for _ in 0..<60 {
            if let database = try? PostgresDatabase(connectionString: connectionString), database.text("SELECT pg_is_in_recovery()") == "f" { return }
            usleep(500_000)
        }
    }
}
