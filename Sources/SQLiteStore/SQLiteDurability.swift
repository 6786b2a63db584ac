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
}
