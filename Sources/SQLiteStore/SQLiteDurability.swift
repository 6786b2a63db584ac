import SurgeCore

/// How hard an SQLite commit tries to reach the disk. The journal is always WAL.
public enum SQLiteDurability: String, Sendable, CaseIterable {
    /// `synchronous=OFF`: no sync at all; an OS crash or power loss can corrupt recent commits.
    case off
    /// `synchronous=NORMAL`: syncs at checkpoints only; power loss can lose the last commits, never corrupts.
    case normal
    /// `synchronous=FULL`: syncs the WAL at every commit.
    case full

    var pragma: String {
        switch self {
        case .off: "OFF"
        case .normal: "NORMAL"
        case .full: "FULL"
        }
    }

    /// What SQLite's documentation (the `synchronous` pragma, WAL mode) promises for each mode, cheapest first.
    static let modes = [
        DurabilityMode("off", processKill: .keepsEverything, powerLoss: .nothing,
                       documentation: "synchronous=OFF: safe if the application crashes; an OS crash or power loss may corrupt the database (sqlite.org/pragma.html#pragma_synchronous)"),
        DurabilityMode("normal", processKill: .keepsEverything, powerLoss: .mayLoseRecent,
                       documentation: "WAL with NORMAL: a commit may roll back after a power loss; the database cannot be corrupted (sqlite.org/pragma.html#pragma_synchronous)"),
        DurabilityMode("full", processKill: .keepsEverything, powerLoss: .keepsEverything,
                       documentation: "WAL with FULL: durable across power loss (sqlite.org/pragma.html#pragma_synchronous)"),
    ]
}
