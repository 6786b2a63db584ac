/// One stored message.
public struct Message: Hashable, Sendable {
    /// The chat the message belongs to.
    public var chat: ChatID
    /// The chat's own sequence number: 1 for its first message, gapless and strictly increasing.
    public var sequence: UInt64
    /// Who sent it.
    public var sender: UserID
    /// The sender's idempotency key: a resend with the same key returns this message.
    public var clientMessageID: UInt64
    /// The body as sent, byte for byte.
    public var body: [UInt8]

    /// A message of `chat` at `sequence`, from `sender` with its client's id, carrying `body`.
    public init(chat: ChatID, sequence: UInt64, sender: UserID, clientMessageID: UInt64, body: [UInt8]) {
        self.chat = chat
        self.sequence = sequence
        self.sender = sender
        self.clientMessageID = clientMessageID
        self.body = body
    }

    /// The largest body a store accepts, in bytes.
    public static let maximumBodyBytes = 256 * 1024
}

/// What sending a message did.
public struct SendReceipt: Hashable, Sendable {
    /// The chat the message went to.
    public var chat: ChatID
    /// The sequence the chat gave it (gapless from 1).
    public var sequence: UInt64
    /// True when (sender, client message id) had been sent before: nothing new was stored and this is the original.
    public var isDuplicate: Bool

    /// A receipt for the message at `sequence` of `chat`; `isDuplicate` for a resend answered with the original.
    public init(chat: ChatID, sequence: UInt64, isDuplicate: Bool) {
        self.chat = chat
        self.sequence = sequence
        self.isDuplicate = isDuplicate
    }
}

/// One line of a user's chat list.
public struct InboxEntry: Hashable, Sendable {
    /// The chat this entry is about.
    public var chat: ChatID
    /// The sequence of the chat's newest message, 0 when it has none.
    public var lastSequence: UInt64
    /// The user's read watermark in this chat.
    public var readSequence: UInt64
    /// Messages after the watermark that this user did not send.
    public var unreadCount: UInt64

    /// An inbox entry for `chat`: its last sequence, the reader's watermark and unread count.
    public init(chat: ChatID, lastSequence: UInt64, readSequence: UInt64, unreadCount: UInt64) {
        self.chat = chat
        self.lastSequence = lastSequence
        self.readSequence = readSequence
        self.unreadCount = unreadCount
    }
}
