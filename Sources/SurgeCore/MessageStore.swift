/// A message store: opened once, it hands out connections, one per worker thread.
///
/// Every method may block on I/O; call them from threads of your own, never from Swift's cooperative pool.
/// Close every connection before closing the store.
public protocol MessageStore: AnyObject, Sendable {
    associatedtype Connection: StoreConnection

    /// Opens a new connection. Each connection is used by one thread at a time.
    func connect() throws(StoreError) -> Connection

    /// The durability and commit settings in force (defaults filled in), for results.
    var settings: StoreSettings { get }

    /// Bytes the store's files occupy on disk now; nil when it has no files of its own. Call before ``close()``.
    func bytesOnDisk() -> UInt64?

    /// What the store counted about itself since it opened (group sizes, engine counters). Call before ``close()``.
    func statistics() -> StoreStatistics

    /// Flushes and releases the store. Further calls to ``connect()`` fail.
    func close()
}

/// One worker's handle on a store. Not thread-safe: use it from one thread at a time.
///
/// Every method throws ``StoreError``. Write methods return only once the write is committed at the store's
/// durability mode (under group commit: once its whole group is).
public protocol StoreConnection: AnyObject {
    /// Registers a phone number. Registering a number again returns the existing user with outcome
    /// `.alreadyRegistered` and stores nothing.
    func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration

    /// Finds which of `phones` are registered and records a contact edge from `owner` to each of them
    /// (the owner's own number and repeats are skipped). Returns the matches in the order of `phones`.
    func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch]

    /// Returns the direct chat between two different users, creating it on first use; the same chat whichever asks.
    func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID

    /// Creates a group chat of `creator` and `members` (duplicates ignored).
    func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID

    /// Appends a message to a chat the sender is a member of, as the chat's next sequence.
    /// A resend with the same (sender, clientMessageID) returns the original receipt marked as duplicate.
    func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt

    /// A page of a chat, newest first: messages with sequence below `before` (or from the newest when nil),
    /// at most `limit` of them.
    func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message]

    /// Raises the user's read watermark in a chat to `sequence` (clamped to the chat's last sequence);
    /// it never moves backwards. Returns the watermark after the call.
    func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64

    /// The user's chats, most recently active first, at most `limit` of them.
    func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry]

    /// The registered user with this phone number, if any. Records nothing.
    func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID?

    /// A consistent account of the store's contents, for verification after a run (scans everything): every chat
    /// handed to `chat`, in any order, and the number of users returned. The caller keeps what it needs of each chat,
    /// so checking a store of millions of chats does not hold them all at once.
    func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int
}

extension StoreConnection {
    /// The whole account of ``summarize(chat:)``, chats in ascending id order.
    public func summary() throws(StoreError) -> StoreSummary {
        var chats: [StoreSummary.Chat] = []
        let users = try summarize { chats.append($0) }
        chats.sort { $0.chat.rawValue < $1.chat.rawValue }
        return StoreSummary(userCount: users, chats: chats)
    }
}
