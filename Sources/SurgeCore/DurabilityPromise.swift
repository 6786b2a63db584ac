/// What one durability mode promises about acknowledged writes when the process owning the data is killed, when the
/// machine loses power and when the machine that acknowledged is lost, as the engine's documentation states it: the
/// claim `surgebench crash` puts to the test, and what the mode's ``DurabilityClass`` follows from.
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
    /// What survives the loss of the whole machine that acknowledged, disk included, the rest of the deployment intact:
    /// only another machine that held the write before the acknowledgement keeps it.
    public var machineLoss: Guarantee

    /// A promise for each kind of failure; a store on one machine promises nothing against that machine's loss.
    public init(processKill: Guarantee, powerLoss: Guarantee, machineLoss: Guarantee = .nothing) {
        self.processKill = processKill
        self.powerLoss = powerLoss
        self.machineLoss = machineLoss
    }

    /// Reads files written before `machineLoss` was recorded as promising nothing against it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        processKill = try container.decode(Guarantee.self, forKey: .processKill)
        powerLoss = try container.decode(Guarantee.self, forKey: .powerLoss)
        machineLoss = try container.decodeIfPresent(Guarantee.self, forKey: .machineLoss) ?? .nothing
    }

    /// The class this promise puts a mode in.
    public var durabilityClass: DurabilityClass { DurabilityClass(self) }

    /// What survives a crash of `kind`.
    public func guarantee(against kind: CrashKind) -> Guarantee {
        switch kind {
        case .process: processKill
        case .power: powerLoss
        case .failover: machineLoss
        }
    }
}
