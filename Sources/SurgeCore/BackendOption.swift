/// One setting a backend accepts, described so that a command line can list and set it.
public struct BackendOption: Hashable, Sendable {
    /// The name `--option` sets it by ("map-size").
    public var name: String
    /// What it does, in one line, for `surgebench backends`.
    public var summary: String
    /// The value used when the option is not given, as a user would type it ("" when there is none).
    public var defaultValue: String
    /// The only values accepted, when the option is a choice.
    public var choices: [String]?

    /// An option named `name`, described by `summary`, with `defaultValue` and, for a choice, its `choices`.
    public init(name: String, summary: String, defaultValue: String, choices: [String]? = nil) {
        self.name = name
        self.summary = summary
        self.defaultValue = defaultValue
        self.choices = choices
    }
}

extension BackendOption {
    /// The directory a persistent store lives in; created when missing.
    public static let path = BackendOption(
        name: "path",
        summary: "directory holding the store (created when missing); default: a new temporary directory, removed on close",
        defaultValue: "")

    /// The commit policy of a persistent store.
    public static let commit = BackendOption(
        name: "commit",
        summary: "per-op: a transaction per write; group: concurrent writes share one transaction and one sync",
        defaultValue: CommitPolicy.perOperation.rawValue,
        choices: CommitPolicy.allCases.map(\.rawValue))

    /// The largest number of writes one group commit carries.
    public static let groupMaxBatch = BackendOption(
        name: "group-max-batch",
        summary: "group commit: most writes in one transaction (1...100000)",
        defaultValue: "256")

    /// How long a group's leader waits for more writes before it commits.
    public static let groupMaxWaitMicros = BackendOption(
        name: "group-max-wait-us",
        summary: "group commit: auto: a group's leader waits for as many writes as the previous group held, at most as long "
            + "as the previous commit took; or microseconds to wait for a full group (0...1000000; 0: commit what has queued)",
        defaultValue: "auto")
}
