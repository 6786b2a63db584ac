import SurgeCore

/// The driver protocol's constants, as docs/driver-protocol.md states them: the version, the operation codes, the reply
/// statuses and the error kinds on the wire.
public enum DriverWire {
    /// The protocol version this SurgeBench speaks; a driver that states another one is refused.
    public static let version: UInt32 = 1

    /// The largest frame either side may send (a history page of large bodies fits), in bytes after the length prefix.
    public static let largestFrame = 64 << 20

    /// What a request asks for: its first byte.
    public enum Operation: UInt8, Sendable, CaseIterable {
        case hello = 0x01
        case open = 0x02
        case close = 0x03
        case register = 0x10
        case importContacts = 0x11
        case directChat = 0x12
        case createGroup = 0x13
        case send = 0x14
        case history = 0x15
        case markRead = 0x16
        case inbox = 0x17
        case userByPhone = 0x18
        case summary = 0x19

        /// The name docs/driver-protocol.md uses, for messages.
        public var name: String {
            switch self {
            case .hello: "HELLO"
            case .open: "OPEN"
            case .close: "CLOSE"
            case .register: "REGISTER"
            case .importContacts: "IMPORT_CONTACTS"
            case .directChat: "DIRECT_CHAT"
            case .createGroup: "CREATE_GROUP"
            case .send: "SEND"
            case .history: "HISTORY"
            case .markRead: "MARK_READ"
            case .inbox: "INBOX"
            case .userByPhone: "USER_BY_PHONE"
            case .summary: "SUMMARY"
            }
        }
    }

    /// A reply's first byte.
    public enum Status: UInt8, Sendable {
        case ok = 0
        case error = 1
    }

    /// An error reply's certainty byte.
    public enum Certainty: UInt8, Sendable {
        /// The operation did not happen.
        case definite = 0
        /// It may have happened (the store could not tell: a timeout, a lost connection to a server).
        case indefinite = 1
    }

    /// The error kinds on the wire, by code (the store protocol's kinds).
    public static let errorKinds: [UInt8: StoreError.Kind] = [
        1: .invalidArgument, 2: .unknownUser, 3: .unknownChat, 4: .notAMember, 5: .invalidOption, 6: .cannotOpen,
        7: .notAStore, 8: .storeFull, 9: .busy, 10: .unavailable, 11: .notReplicated, 12: .engine,
    ]
}
