/// What a trace operation asks the store to do.
public enum OperationKind: UInt8, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case register = 0
    case importContacts = 1
    case openDirectChat = 2
    case createGroup = 3
    case send = 4
    case history = 5
    case markRead = 6
    case inbox = 7

    public var description: String {
        switch self {
        case .register: "register"
        case .importContacts: "import-contacts"
        case .openDirectChat: "open-chat"
        case .createGroup: "create-group"
        case .send: "send"
        case .history: "history"
        case .markRead: "mark-read"
        case .inbox: "inbox"
        }
    }

    /// True for the kinds that ask the store to write (a lookup of an existing direct chat among them): what a sync
    /// per acknowledged write counts.
    public var isWrite: Bool { self != .history && self != .inbox }
}

/// One operation of a trace. Users and chats are the trace's own numbers (0, 1, 2, ...), which the harness maps to
/// the ids the store hands out.
public struct TraceOperation: Hashable, Sendable {
    public var kind: OperationKind
    /// Setup operations build the population before the clock starts; `stage` orders them.
    public var isSetup: Bool
    /// The phase (scheduled operations) or setup stage (setup operations).
    public var phase: UInt8
    /// The community the operation belongs to: its users and chats are all of that community.
    public var community: UInt32
    /// Operations of one lane run in order on one worker: a session's steps share a lane, so a step never starts
    /// before the one it depends on has been acknowledged.
    public var lane: UInt32
    /// When the operation should start, from the start of the schedule.
    public var intendedNanos: UInt64
    /// The acting user (the registering, importing, sending, reading user).
    public var user: UInt32
    /// The field the trace stores for the kind's one number: read it as ``otherUser``, ``pageSize`` or ``bodyBytes``.
    public var argument: UInt32
    /// The trace chat (open-chat, create-group, send, history, mark-read).
    public var chat: UInt32
    /// The send's client message id.
    public var clientMessageID: UInt64
    /// A retried registration or resent message: the store must answer "already registered" / "duplicate".
    public var isRetry: Bool
    /// Phone numbers (import-contacts) or trace users (create-group members).
    public var list: [UInt64]

    /// Open-chat: the other user of the direct chat.
    public var otherUser: UInt32 {
        get { argument }
        set { argument = newValue }
    }

    /// History and inbox: the most entries to return.
    public var pageSize: UInt32 {
        get { argument }
        set { argument = newValue }
    }

    /// Send: the size of the message body in bytes.
    public var bodyBytes: UInt32 {
        get { argument }
        set { argument = newValue }
    }

    public init(
        kind: OperationKind, isSetup: Bool = false, phase: UInt8 = 0, community: UInt32 = 0, lane: UInt32 = 0, intendedNanos: UInt64 = 0,
        user: UInt32 = 0, argument: UInt32 = 0, chat: UInt32 = 0, clientMessageID: UInt64 = 0, isRetry: Bool = false,
        list: [UInt64] = []
    ) {
        self.kind = kind
        self.isSetup = isSetup
        self.phase = phase
        self.community = community
        self.lane = lane
        self.intendedNanos = intendedNanos
        self.user = user
        self.argument = argument
        self.chat = chat
        self.clientMessageID = clientMessageID
        self.isRetry = isRetry
        self.list = list
    }
}

/// The phone number of trace user `user` (registered ones) and of numbers that are never registered.
public enum TracePhones {
    public static let firstRegistered: UInt64 = 15_550_000_000
    public static let firstUnregistered: UInt64 = 19_990_000_000

    public static func number(ofUser user: UInt32) -> UInt64 { firstRegistered + UInt64(user) }
    public static func text(_ number: UInt64) -> String { "+\(number)" }
}
