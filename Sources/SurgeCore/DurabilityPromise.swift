/// What one durability mode promises about acknowledged writes when the process owning the data is killed and when
/// the machine loses power, as the engine's documentation states it: the claim `surgebench crash` puts to the test.
public struct DurabilityPromise: Sendable, Hashable, Codable {
    /// What survives a crash of one kind.
    public enum Guarantee: String, Sendable, Hashable, Codable {
        /// Every acknowledged write survives and the store opens intact.
        case keepsEverything = "keeps every acknowledged write"
        /// The last acknowledged writes may be lost, but the store opens intact and consistent.
        case mayLoseRecent = "may lose recent writes, never corrupts"
        /// Nothing is promised: writes may be lost and the store may be corrupt.
        case nothing = "promises nothing"
    }

    /// What survives a SIGKILL of the process that owns the data (the page cache survives).
    public var processKill: Guarantee
    /// What survives a power loss of the machine (every write since the last sync may be gone).
    public var powerLoss: Guarantee

    /// A promise for each kind of crash.
    public init(processKill: Guarantee, powerLoss: Guarantee) {
        self.processKill = processKill
        self.powerLoss = powerLoss
    }

    /// What survives a crash of `kind`.
    public func guarantee(against kind: CrashKind) -> Guarantee {
        switch kind {
        case .process: processKill
        case .power: powerLoss
        }
    }
}
