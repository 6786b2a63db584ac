/// What survives, named by the failure a durability mode keeps every acknowledged write through: the unit of a like-for-
/// like comparison. Each mode's class follows from its ``DurabilityPromise``; each backend declares its modes from the
/// cheapest class to the safest, so that `--durability CLASS` picks the cheapest mode that keeps the class's promise.
public enum DurabilityClass: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Nothing is promised beyond the store's process (memory, Redis without persistence, RocksDB without its WAL).
    case none
    /// A kill of the store's process loses no acknowledged write; a power loss may.
    case process
    /// A power loss of the machine loses no acknowledged write.
    case power
    /// The loss of the whole machine that acknowledged loses no acknowledged write: another machine (a synchronous
    /// standby, a replica that confirmed) holds it.
    case replica

    /// The class of a mode that promises `promise`: the strongest failure it keeps every acknowledged write through.
    /// A replica class does not need the power guarantee of one machine: the loss of that machine's power is a loss of
    /// the machine, which another one covers (what a backend's replica mode does not cover, its documentation says).
    public init(_ promise: DurabilityPromise) {
        if promise.processKill != .keepsEverything {
            self = .none
        } else if promise.machineLoss == .keepsEverything {
            self = .replica
        } else if promise.powerLoss == .keepsEverything {
            self = .power
        } else {
            self = .process
        }
    }

    /// The class named `name`; throws listing the classes otherwise.
    public init(named name: String) throws(BenchmarkError) {
        guard let value = Self(rawValue: name) else {
            throw BenchmarkError("unknown durability class '\(name)'; the classes: "
                + Self.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: ", "))
        }
        self = value
    }

    /// What the class keeps, in a few words.
    public var summary: String {
        switch self {
        case .none: "nothing survives the store's process"
        case .process: "survives a kill of the store's process"
        case .power: "survives a power loss of the machine"
        case .replica: "survives the loss of the machine that acknowledged"
        }
    }

    /// The crash kinds `surgebench crash` can inflict that this class promises to come through with every
    /// acknowledged write: a replica mode's failover is the loss of the machine that acknowledged.
    public var coveredCrashes: [CrashKind] {
        switch self {
        case .none: []
        case .process: [.process]
        case .replica: [.process, .failover]
        case .power: [.process, .power]
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
