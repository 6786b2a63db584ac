#if canImport(Glibc)
import Glibc
#endif

/// Whether this process counts its syncs: it does when it runs with SurgeBench's sync-counting library
/// (libSurgePowerCut.so) loaded by LD_PRELOAD, which `surgebench run` and `capacity` arrange by starting themselves
/// again with it (see docs/running.md). The servers SurgeBench starts then count theirs too, each into its own file.
public enum SyncCounting {
    /// The environment variable naming the file a server's processes count into.
    public static let counterFileVariable = "SURGEBENCH_SYNC_COUNTER"
    /// Set (to 1) by `surgebench` before it starts itself again with the library, so that it never tries twice.
    public static let attemptedVariable = "SURGEBENCH_SYNC_COUNTING"

    private typealias CountsFunction = @convention(c) (UnsafeMutablePointer<UInt64>) -> Void

    /// The library's `surgebench_sync_counts`, when it is loaded into this process.
    nonisolated(unsafe) private static let function: CountsFunction? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "surgebench_sync_counts") else { return nil }
        return unsafeBitCast(symbol, to: CountsFunction.self)
        #else
        return nil
        #endif
    }()

    /// True when this process counts its syncs.
    public static var isActive: Bool { function != nil }

    /// This process's syncs so far; nil when it does not count them.
    public static func ownCounts() -> SyncCounts? {
        guard let function else { return nil }
        var words = [UInt64](repeating: 0, count: 8)
        words.withUnsafeMutableBufferPointer { function($0.baseAddress!) }
        return SyncCounts(words: words)
    }
}
