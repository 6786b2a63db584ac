/// A backend as the command line and the test suite see it: a name, its options and how to open it.
public struct BackendDescriptor: Sendable {
    /// The name users select it by (`memory`, `sqlite`, `lmdb`).
    public var name: String
    /// One line for `surgebench backends`.
    public var summary: String
    /// The engine and its library version, for results ("SQLite 3.40.1"); empty when there is none.
    public var engineVersion: String
    /// Where the store keeps its data.
    public var location: DataLocation
    /// True for a tool that checks the harness (a known answer), not a message store to compare.
    public var isInstrument: Bool
    /// Every option the backend accepts (its durability option among them, when it has one).
    public var options: [BackendOption]
    /// The durability modes the backend offers with their promises; nil for a store that keeps nothing beyond the process.
    public var durability: DurabilityModes?
    /// The commit policy bulk loading uses (group commit where it helps); nil: the backend has no commit option.
    public var bulkLoadCommit: CommitPolicy?
    /// For a server backend that starts its own server in `path=`: the processes that own the data there now (a
    /// PostgreSQL postmaster), which `surgebench crash` kills with their children; nil when it cannot be crashed so.
    public var serverProcesses: (@Sendable (BackendOptions) -> [Int32])?
    /// For a replicated server backend SurgeBench starts: the options durability mode `mode` needs to survive its
    /// primary's death (a replica per master), or nil when that mode cannot fail over (no standby); nil for a backend
    /// that never can. `surgebench crash --kind failover` adds them and kills the primary through ``FaultInjecting``.
    public var failoverOptions: (@Sendable (_ mode: String) -> [String: String]?)?
    private let openStore: @Sendable (BackendOptions) throws(StoreError) -> any MessageStore
    private let checkOptions: @Sendable (BackendOptions) throws(StoreError) -> Void

    /// Describes a backend; `check` validates options without opening anything, `open` opens a store.
    public init(
        name: String, summary: String, engineVersion: String = "", location: DataLocation, isInstrument: Bool = false, options: [BackendOption],
        durability: DurabilityModes? = nil, bulkLoadCommit: CommitPolicy? = nil,
        serverProcesses: (@Sendable (BackendOptions) -> [Int32])? = nil,
        failoverOptions: (@Sendable (_ mode: String) -> [String: String]?)? = nil,
        check: @escaping @Sendable (BackendOptions) throws(StoreError) -> Void = { _ throws(StoreError) in },
        open: @escaping @Sendable (BackendOptions) throws(StoreError) -> any MessageStore
    ) {
        self.name = name
        self.summary = summary
        self.engineVersion = engineVersion
        self.location = location
        self.isInstrument = isInstrument
        self.options = options
        precondition(durability.map { modes in options.contains(modes.option) } ?? true, "\(name): its durability option must be among its options")
        self.durability = durability
        self.bulkLoadCommit = bulkLoadCommit
        self.serverProcesses = serverProcesses
        self.failoverOptions = failoverOptions
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

    /// Options that make filling a store fastest while keeping everything a clean close writes (the bulk-load
    /// durability mode and commit policy): what `grow` preloads with.
    public var bulkLoadOptions: [String: String] {
        var values: [String: String] = [:]
        if let durability { values[durability.option.name] = durability.bulkLoad.name }
        if let bulkLoadCommit { values[BackendOption.commit.name] = bulkLoadCommit.rawValue }
        return values
    }

    /// True for a store without durability modes (memory): it keeps nothing beyond its process and is the reference
    /// the other stores are read against (the harness's own floor), not a competitor in a durability class.
    public var isReference: Bool { durability == nil }

    /// The options that run this backend in `durabilityClass`: `options` with the durability option set to the cheapest
    /// mode in the class, unless `options` name a mode already (an explicit choice wins); a reference runs as it is.
    /// nil when the backend has durability modes but none in the class.
    public func options(_ options: BackendOptions, in durabilityClass: DurabilityClass) -> BackendOptions? {
        guard let durability, options.values[durability.option.name] == nil else { return options }
        guard let mode = durability.cheapest(in: durabilityClass) else { return nil }
        return BackendOptions(options.values.merging([durability.option.name: mode.name]) { given, _ in given })
    }

    /// The durability mode `options` select; nil for a backend without durability modes.
    public func durabilityMode(in options: BackendOptions) throws(StoreError) -> DurabilityMode? {
        try durability?.mode(in: options)
    }
}
