/// A read-only account of a store's contents, for checking a store after a run without going around the protocol.
public struct StoreSummary: Hashable, Sendable {
    /// What one chat holds.
    public struct Chat: Hashable, Sendable {
        /// The chat.
        public var chat: ChatID
        /// Its members.
        public var memberCount: Int
        /// How many messages are stored.
        public var messageCount: UInt64
        /// The last sequence the chat's header records as allocated.
        public var lastSequence: UInt64
        /// The largest sequence actually stored (0 when none).
        public var highestStoredSequence: UInt64

        /// A chat's summary as the store holds it.
        public init(chat: ChatID, memberCount: Int, messageCount: UInt64, lastSequence: UInt64, highestStoredSequence: UInt64) {
            self.chat = chat
            self.memberCount = memberCount
            self.messageCount = messageCount
            self.lastSequence = lastSequence
            self.highestStoredSequence = highestStoredSequence
        }

        /// Sequences 1...lastSequence are all stored and nothing else is.
        public var isGapless: Bool { messageCount == lastSequence && highestStoredSequence == lastSequence }
    }

    /// Registered users.
    public var userCount: Int
    /// Every chat, in ascending chat id order.
    public var chats: [Chat]

    /// A summary of `userCount` users and `chats`.
    public init(userCount: Int, chats: [Chat]) {
        self.userCount = userCount
        self.chats = chats
    }

    /// All messages in all chats.
    public var messageCount: UInt64 { chats.reduce(0) { $0 + $1.messageCount } }
}
