/// The durability mode and commit policy a store is running with (defaults filled in), as results and tables show them.
public struct StoreSettings: Sendable, Hashable {
    /// The durability mode with its promise; nil for a store that keeps nothing beyond the process.
    public var durability: DurabilityMode?
    /// The commit policy; nil when the store has none.
    public var commit: CommitPolicy?

    /// Settings of a store running `durability` with `commit`.
    public init(durability: DurabilityMode?, commit: CommitPolicy?) {
        self.durability = durability
        self.commit = commit
    }

    /// The class of the durability mode; `.none` for a store that keeps nothing beyond the process.
    public var durabilityClass: DurabilityClass { durability?.durabilityClass ?? .none }

    /// The settings of a store that keeps its data only in the process.
    public static let inMemory = StoreSettings(durability: nil, commit: nil)

    /// "sync / group", or "in memory" for a store without durability or commit settings.
    public var label: String { Self.label(durability: durability?.name, commit: commit?.rawValue) }

    /// The label of settings recorded by name (in a results file): "sync / group", or "in memory" when both are nil.
    public static func label(durability: String?, commit: String?) -> String {
        let parts = [durability, commit].compactMap { $0 }
        return parts.isEmpty ? "in memory" : parts.joined(separator: " / ")
    }
}
