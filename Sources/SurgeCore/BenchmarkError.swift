/// The error of every layer above the stores: an input SurgeBench cannot use or a step it cannot take (a scenario, a
/// trace, a results file, an option, a comparison, a crash run), with a kind a program can switch on and a message
/// that says where and what to do. The command line adds its flag names to the messages of lower layers.
public struct BenchmarkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure: whose fault it is and whether trying again can help.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Something the user gave is wrong: a file, an option, a number. Correct it and try again.
        case invalidInput
        /// The machine cannot do what is asked: a file cannot be written, a tool or library is missing, the disk is full.
        case environment
        /// A step failed while running: a store, a server or a child process did not do what it should.
        case failed
        /// Ctrl-C or SIGTERM stopped the work; nothing half-made was kept.
        case interrupted
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// What went wrong and what to do, for a person.
    public var message: String

    /// An error of `kind` (by default, an input that cannot be used) saying `message`.
    public init(_ message: String, kind: Kind = .invalidInput) {
        self.kind = kind
        self.message = message
    }

    /// An error carrying a store's message (a store that could not open or failed while running).
    public init(_ error: StoreError) {
        self.init(error.message, kind: error.kind == .invalidOption ? .invalidInput : .failed)
    }

    /// The work was stopped by a signal; `what` says what was not done ("nothing written").
    public static func interrupted(_ what: String) -> BenchmarkError {
        BenchmarkError("interrupted; \(what)", kind: .interrupted)
    }

    /// The message.
    public var description: String { message }
}
