/// What one durability mode of a backend promises about acknowledged writes when the process owning the data is
/// killed and when the machine loses power, as the engine's documentation states it: the claim `surgebench crash`
/// puts to the test.
public struct DurabilityPromise: Sendable, Hashable {
    /// What survives a crash of one kind.
    public enum Guarantee: String, Sendable, Hashable, Codable {
        /// Every acknowledged write survives and the store opens intact.
        case keepsEverything = "keeps every acknowledged write"
        /// The last acknowledged writes may be lost, but the store opens intact and consistent.
        case mayLoseRecent = "may lose recent writes, never corrupts"
        /// Nothing is promised: writes may be lost and the store may be corrupt.
        case nothing = "promises nothing"
    }

    /// The mode, as the backend's `durability` option names it.
    public var mode: String
    public var processKill: Guarantee
    public var powerLoss: Guarantee
    /// What the engine's documentation says, in a few words, and where.
    public var documentation: String

    public init(mode: String, processKill: Guarantee, powerLoss: Guarantee, documentation: String) {
        self.mode = mode
        self.processKill = processKill
        self.powerLoss = powerLoss
        self.documentation = documentation
    }
}
