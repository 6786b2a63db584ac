/// One durability mode of a backend: the name its option takes, what it promises about acknowledged writes, and the
/// documentation the promise rests on. Codable, so that a results file or a driver written in another language can
/// carry it whole.
public struct DurabilityMode: Sendable, Hashable, Codable {
    /// The value of the backend's durability option that selects this mode ("sync", "normal", "replicated").
    public var name: String
    /// What the mode promises on a process kill and on a power loss.
    public var promise: DurabilityPromise
    /// What the engine's documentation says, in a few words, and where.
    public var documentation: String

    /// A mode named `name` that promises `processKill`, `powerLoss` and `machineLoss`, as `documentation` states.
    public init(_ name: String, processKill: DurabilityPromise.Guarantee, powerLoss: DurabilityPromise.Guarantee,
                machineLoss: DurabilityPromise.Guarantee = .nothing, documentation: String) {
        self.name = name
        promise = DurabilityPromise(processKill: processKill, powerLoss: powerLoss, machineLoss: machineLoss)
        self.documentation = documentation
    }

    /// The class the mode's promise puts it in.
    public var durabilityClass: DurabilityClass { promise.durabilityClass }
}
