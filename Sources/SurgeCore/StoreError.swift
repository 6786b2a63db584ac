/// The one error type every backend throws: a kind a program can switch on and a message a person can act on.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, coarse enough for the harness to count errors by kind.
    public enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        /// A malformed argument: an empty or over-long phone number, a limit below 1, a body too large.
        case invalidArgument
        case unknownUser
        case unknownChat
        /// The sender or reader is not a member of the chat.
        case notAMember
        /// A backend option has an unknown name or an invalid value.
        case invalidOption
        /// The store's path could not be opened or created.
        case cannotOpen
        /// The path holds something that is not a store of this backend.
        case notAStore
        /// The store has reached its configured size (LMDB's map) or the disk is full.
        case storeFull
        /// The engine could not get its lock in time (SQLite's busy timeout).
        case busy
        /// The server, or the part of a cluster that holds the data, is unreachable or down: a connection lost with
        /// a request in flight, a cluster without a master for the slot. The request may or may not have been applied.
        case unavailable
        /// A write the store could not confirm on the replicas its durability mode requires (a replica that did not
        /// confirm in time, a master refusing writes without its replica). It may be applied on the master.
        case notReplicated
        /// Any other failure the engine reported.
        case engine
    }

    /// What went wrong, for counting.
    public var kind: Kind
    /// What went wrong, for a person: names the store, the file or the server.
    public var message: String
    /// The C library's result code, when the error came from one.
    public var engineCode: Int32?
    /// Whether the operation surely did not happen (true) or may have (false), when the store said so itself (a
    /// driver's reply does); nil when it follows from the kind (``leavesOutcomeInDoubt``).
    public var definite: Bool?

    /// An error of `kind` saying `message`, with the C library's `engineCode` when it came from one.
    public init(_ kind: Kind, _ message: String, engineCode: Int32? = nil, definite: Bool? = nil) {
        self.kind = kind
        self.message = message
        self.engineCode = engineCode
        self.definite = definite
    }

    /// The message.
    public var description: String { message }

    /// True when the failure was the request's own fault and left the store unchanged, so a group commit that
    /// carries it may still commit the other requests in the group.
    public var isRequestError: Bool {
        switch kind {
        case .invalidArgument, .unknownUser, .unknownChat, .notAMember: true
        case .invalidOption, .cannotOpen, .notAStore, .storeFull, .busy, .unavailable, .notReplicated, .engine: false
        }
    }

    /// True when the store may have applied the write although it failed (the answer, not the request, was lost):
    /// the integrity check must accept the write either way.
    public var leavesOutcomeInDoubt: Bool {
        if let definite { return !definite }
        return switch kind {
        case .unavailable, .notReplicated, .engine: true
        default: false
        }
    }
}
