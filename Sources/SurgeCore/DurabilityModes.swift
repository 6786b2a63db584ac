/// The durability modes a backend offers, the option that selects one, and the mode bulk loading uses: declared once
/// in the backend's descriptor, so that nothing above the backend looks a mode up by its name.
public struct DurabilityModes: Sendable {
    /// The backend option whose values are the modes' names (its default is the default mode).
    public let option: BackendOption
    /// Every mode, from the cheapest to the safest (their classes never decrease along the list).
    public let modes: [DurabilityMode]
    /// The cheapest mode that still keeps everything a clean close writes: what `grow` fills a store with.
    public let bulkLoad: DurabilityMode

    /// Declares `modes`, selected by an option named `optionName` described by `summary`, `defaultMode` when the option
    /// is not given, `bulkLoadMode` for bulk loading. Both names must be among the modes, and the modes listed from the
    /// cheapest to the safest (a backend's own bug otherwise).
    public init(optionName: String, summary: String, modes: [DurabilityMode], defaultMode: String, bulkLoadMode: String) {
        precondition(Set(modes.map(\.name)).count == modes.count, "durability modes must have distinct names")
        precondition(zip(modes, modes.dropFirst()).allSatisfy { $0.durabilityClass <= $1.durabilityClass },
                     "durability modes must be listed from the cheapest class to the safest")
        guard let bulkLoad = modes.first(where: { $0.name == bulkLoadMode }), modes.contains(where: { $0.name == defaultMode }) else {
            preconditionFailure("the default and bulk-load durability modes must be among the declared modes")
        }
        option = BackendOption(name: optionName, summary: summary, defaultValue: defaultMode, choices: modes.map(\.name))
        self.modes = modes
        self.bulkLoad = bulkLoad
    }

    /// The mode named `name`; the name must be declared (the backend's enum of modes and this list agree).
    public subscript(name: String) -> DurabilityMode {
        guard let mode = modes.first(where: { $0.name == name }) else {
            preconditionFailure("durability mode '\(name)' is not declared among \(modes.map(\.name))")
        }
        return mode
    }

    /// The cheapest mode in `durabilityClass`; nil when the backend has none in it.
    public func cheapest(in durabilityClass: DurabilityClass) -> DurabilityMode? {
        modes.first { $0.durabilityClass == durabilityClass }
    }

    /// The mode `options` select (the default when they do not name one); throws `.invalidOption` for a name not declared.
    public func mode(in options: BackendOptions) throws(StoreError) -> DurabilityMode {
        let name = options.string(option)
        guard let mode = modes.first(where: { $0.name == name }) else { throw BackendOptions.notAChoice(option, name) }
        return mode
    }
}
