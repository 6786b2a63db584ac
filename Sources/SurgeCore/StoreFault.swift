/// A topology change made to a server backend at a time of the schedule, while the load runs: `reshard@20s:1000`
/// (move 1000 slots between masters), `kill-master@25s` (SIGKILL a master; with replicas the cluster fails over),
/// `restart-node@35s` (start the last killed node again).
public struct StoreFault: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The topology changes a cluster SurgeBench starts can make.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case reshard
        /// The primary killed (the Redis master with the most slots, the PostgreSQL primary): its replica or standby takes over.
        case killMaster = "kill-master"
        case restartNode = "restart-node"
    }

    /// Which change.
    public var kind: Kind
    /// Seconds from the start of the schedule.
    public var atSeconds: Double
    /// For `reshard`: how many slots to move.
    public var slots: Int?

    /// A fault of `kind` at `atSeconds` of the schedule (`slots` for a reshard).
    public init(kind: Kind, atSeconds: Double, slots: Int? = nil) {
        self.kind = kind
        self.atSeconds = atSeconds
        self.slots = slots
    }

    /// Parses `kind@<seconds>s[:<slots>[-slots]]`, such as `reshard@20s:1000-slots` or `kill-master@25s`.
    public init(parsing text: String) throws(BenchmarkError) {
        let usage = "write a fault as kind@TIME[:SLOTS], for example reshard@20s:1000-slots, kill-master@25s or restart-node@35s "
            + "(kinds: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = Kind(rawValue: parts[0]) else { throw BenchmarkError("'\(text)': \(usage)") }
        let timeAndCount = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
        let timeText = timeAndCount[0].hasSuffix("s") ? String(timeAndCount[0].dropLast()) : timeAndCount[0]
        guard let seconds = Double(timeText), seconds.isFinite, (0...86_400).contains(seconds) else {
            throw BenchmarkError("'\(text)': the time must be from 0s to 86400s; \(usage)")
        }
        self.kind = kind
        atSeconds = seconds
        if timeAndCount.count == 2 {
            let countText = timeAndCount[1].hasSuffix("-slots") ? String(timeAndCount[1].dropLast(6)) : timeAndCount[1]
            guard kind == .reshard, let count = Int(countText), (1...16_384).contains(count) else {
                throw BenchmarkError("'\(text)': only reshard takes a count, of 1 to 16384 slots; \(usage)")
            }
            slots = count
        } else if kind == .reshard {
            throw BenchmarkError("'\(text)': say how many slots to move, as in reshard@20s:1000-slots")
        }
    }

    /// The fault as `--fault` writes it ("reshard@20s:1000-slots").
    public var description: String {
        let time = atSeconds.rounded() == atSeconds ? String(Int(atSeconds)) : String(atSeconds)
        return "\(kind.rawValue)@\(time)s" + (slots.map { ":\($0)-slots" } ?? "")
    }
}

/// A store that can change its own topology while it runs (a cluster SurgeBench started).
public protocol FaultInjecting: Sendable {
    /// Makes the change and returns what it did ("moved 1000 slots from ... to ...") with a watch on the writes to
    /// the data it touched; throws when it cannot.
    func inject(_ fault: StoreFault) throws(StoreError) -> FaultEffect

    /// Waits (a bounded time) until the store serves every request again after the faults made, so that what it
    /// holds can be verified: a failover in progress is waited out.
    func awaitSettled()
}
