/// A backend as the command line and the test suite see it: a name, its options and how to open it.
public struct BackendDescriptor: Sendable {
    /// The name users select it by (`memory`, `sqlite`, `lmdb`).
    public var name: String
    public var summary: String
    /// The engine and its library version, for results ("SQLite 3.40.1"); empty when there is none.
    public var engineVersion: String
    /// Where the store keeps its data.
    public var location: DataLocation
    /// True for a tool that checks the harness (a known answer), not a message store to compare.
    public var isInstrument: Bool
    public var options: [BackendOption]
    /// Options that make filling a store fastest while keeping everything a clean close writes (its cheapest
    /// durability, group commit where that helps): what `grow` preloads with.
    public var bulkLoadOptions: [String: String]
    /// What each value of the `durability` option promises about crashes; empty for a store without files.
    public var durabilityPromises: [DurabilityPromise]
    /// For a server backend that starts its own server in `path=`: the processes that own the data there now (a
    /// PostgreSQL postmaster), which `surgebench crash` kills with their children; nil when it cannot be crashed so.
    public var serverProcesses: (@Sendable (BackendOptions) -> [Int32])?
    private let openStore: @Sendable (BackendOptions) throws(StoreError) -> any MessageStore
    private let checkOptions: @Sendable (BackendOptions) throws(StoreError) -> Void

    public init(
        name: String, summary: String, engineVersion: String = "", location: DataLocation, isInstrument: Bool = false, options: [BackendOption],
        bulkLoadOptions: [String: String] = [:], durabilityPromises: [DurabilityPromise] = [],
        serverProcesses: (@Sendable (BackendOptions) -> [Int32])? = nil,
        check: @escaping @Sendable (BackendOptions) throws(StoreError) -> Void = { _ throws(StoreError) in },
        open: @escaping @Sendable (BackendOptions) throws(StoreError) -> any MessageStore
    ) {
        self.name = name
        self.summary = summary
        self.engineVersion = engineVersion
        self.location = location
        self.isInstrument = isInstrument
        self.options = options
        self.bulkLoadOptions = bulkLoadOptions
        self.durabilityPromises = durabilityPromises
        self.serverProcesses = serverProcesses
        self.openStore = open
        self.checkOptions = check
    }

    /// Checks option names and values without opening anything; throws `.invalidOption` naming the first bad one.
    public func validate(_ options: BackendOptions) throws(StoreError) {
        try options.checkNames(against: self.options, backend: name)
        try checkOptions(options)
    }

    /// Opens a store with these options; throws `.invalidOption` for an option this backend does not have.
    public func open(_ options: BackendOptions = BackendOptions()) throws(StoreError) -> any MessageStore {
        try validate(options)
        return try openStore(options)
    }
}
