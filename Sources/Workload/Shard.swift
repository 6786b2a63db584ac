import SurgeCore

/// Which communities of a trace one generator replays: those whose number `c` has `c % count == index`. The
/// shards of one trace are disjoint and together hold every operation, so `count` generators on as many machines
/// replay exactly what one replays alone.
public struct Shard: Hashable, Sendable, Codable, CustomStringConvertible {
    public var index: UInt32
    public var count: UInt32

    /// The whole trace: one shard.
    public static let whole = Shard(uncheckedIndex: 0, count: 1)

    /// The most shards a trace may be split into.
    public static let maximumCount: UInt32 = 4096

    init(uncheckedIndex index: UInt32, count: UInt32) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` (0 <= i < n), or `auto/n`, which takes `i` from `JOB_COMPLETION_INDEX` (the index Kubernetes gives
    /// each pod of an Indexed Job) in `environment`.
    public init(parsing text: String, environment: [String: String]) throws(BenchmarkError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let usage = "--shard takes INDEX/COUNT with 0 <= INDEX < COUNT <= \(Self.maximumCount) (say 0/2), or auto/COUNT under a Kubernetes Indexed Job"
        guard parts.count == 2, let count = UInt32(parts[1]), count >= 1, count <= Self.maximumCount else {
            throw BenchmarkError("\(usage); got '\(text)'")
        }
        let indexText: String
        if parts[0] == "auto" {
            guard let fromJob = environment["JOB_COMPLETION_INDEX"] else {
                throw BenchmarkError("--shard auto/\(count) reads the shard index from JOB_COMPLETION_INDEX, which is not set; give the index (0/\(count))")
            }
            indexText = fromJob
        } else {
            indexText = String(parts[0])
        }
        guard let index = UInt32(indexText), index < count else {
            throw BenchmarkError("\(usage); got index '\(indexText)' of \(count)")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Whether community `community` belongs to this shard.
    @inline(__always)
    public func contains(community: UInt32) -> Bool { community % count == index }

    public var isWhole: Bool { count == 1 }

    public var description: String { "\(index)/\(count)" }
}
