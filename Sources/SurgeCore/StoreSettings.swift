/// The durability and commit settings a store is running with (defaults filled in), as results and tables show them.
public struct StoreSettings: Sendable, Hashable {
    /// The durability mode ("sync", "normal", ...); nil for a store that keeps nothing beyond the process.
    public var durability: String?
    /// The commit policy ("per-op", "group"); nil when the store has none.
    public var commit: String?

    public init(durability: String?, commit: String?) {
        self.durability = durability
        self.commit = commit
    }

    /// The settings of a store that keeps its data only in the process.
    public static let inMemory = StoreSettings(durability: nil, commit: nil)

    /// "sync / group", or "in memory" for a store without durability or commit settings.
    public var label: String {
        let parts = [durability, commit].compactMap { $0 }
        return parts.isEmpty ? "in memory" : parts.joined(separator: " / ")
    }
}
