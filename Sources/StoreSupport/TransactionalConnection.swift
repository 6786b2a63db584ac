import SurgeCore

/// One transaction of an ordered key-value engine (LMDB's, RocksDB's) performing the message store's operations on
/// the engine's own layout. The connection has validated the arguments; request errors (an unknown user, chat or
/// membership) are thrown before anything is written, so that a group commit can still commit the rest.
public protocol MessagingTransaction {
    func register(_ phone: PhoneNumber, _ displayName: String) throws(StoreError) -> Registration
    func importContacts(of owner: UserID, _ phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch]
    /// The direct chat of `low` and `high` (`low < high`), if there is one.
    func findDirectChat(_ low: UserID, _ high: UserID) throws(StoreError) -> ChatID?
    /// The direct chat of `low` and `high`, created when there is none yet (checked again inside the write).
    func createDirectChat(_ low: UserID, _ high: UserID) throws(StoreError) -> ChatID
    /// A new chat of `kind` (``ChatHeader/directKind`` or ``ChatHeader/groupKind``) with `members`, all registered.
    func createChat(kind: UInt64, members: [UserID]) throws(StoreError) -> ChatID
    func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt
    func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message]
    func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64
    func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry]
    func findUser(phone: PhoneNumber) throws(StoreError) -> UserID?
    func summarize(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int
}

/// A connection whose every operation is a read or a write transaction of a ``MessagingTransaction``: it supplies
/// `read` and a write transaction of its own (``GroupCommitting``), and the ``StoreConnection`` operations follow,
/// with the argument checks every backend makes.
public protocol TransactionalConnection: StoreConnection, GroupCommitting where Transaction: MessagingTransaction {
    /// Runs `body` in a transaction that only reads.
    func read<Result>(_ body: (Transaction) throws(StoreError) -> Result) throws(StoreError) -> Result
}

extension TransactionalConnection {
    /// Registers `phone` in a write (``StoreConnection/register(phone:displayName:)``).
    @inlinable
    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        return try write { transaction throws(StoreError) in try transaction.register(phone, displayName) }
    }

    /// Matches `phones` against registered users in a write, each number once.
    @inlinable
    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        let distinct = Validation.distinctPhones(phones)
        return try write { transaction throws(StoreError) in try transaction.importContacts(of: owner, distinct) }
    }

    /// The direct chat of two users: found in a read, created in a write only when missing.
    @inlinable
    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        let (low, high) = first < second ? (first, second) : (second, first)
        // Most calls find the chat: answer them without taking the writer's lock.
        if let chat = try read({ transaction throws(StoreError) in try transaction.findDirectChat(low, high) }) { return chat }
        return try write { transaction throws(StoreError) in try transaction.createDirectChat(low, high) }
    }

    /// Creates a group of `creator` and `members` in a write.
    @inlinable
    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let all = try Validation.groupMembers(creator: creator, members: members)
        return try write { transaction throws(StoreError) in try transaction.createChat(kind: ChatHeader.groupKind, members: all) }
    }

    /// Sends `body` in a write (a resend with the same client id returns the original).
    @inlinable
    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        return try write { transaction throws(StoreError) in
            try transaction.send(body, to: chat, from: sender, clientMessageID: clientMessageID)
        }
    }

    /// A page of `chat`'s messages before `before`, newest first, in a read.
    @inlinable
    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        return try read { transaction throws(StoreError) in try transaction.history(of: chat, before: before, limit: limit) }
    }

    /// Raises `user`'s read watermark in `chat` in a write; returns the watermark now.
    @inlinable
    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        try write { transaction throws(StoreError) in try transaction.markRead(chat, by: user, upTo: sequence) }
    }

    /// `user`'s chats by last activity, newest first, in a read.
    @inlinable
    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        return try read { transaction throws(StoreError) in try transaction.inbox(of: user, limit: limit) }
    }

    /// The user registered with `phone`, in a read.
    @inlinable
    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        try read { transaction throws(StoreError) in try transaction.findUser(phone: phone) }
    }

    /// Every chat's summary for the integrity check, in one read; returns the user count.
    @inlinable
    public func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        try read { transaction throws(StoreError) in try transaction.summarize(chat: chat) }
    }
}
