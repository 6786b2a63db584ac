import Synchronization
import SurgeCore

/// The reference implementation of every ``MessageStore`` semantic, held in memory behind one mutex.
///
/// It is also the harness's baseline: its cost per operation is close to the harness's own.
public final class MemoryMessageStore: MessageStore {
    let state = Mutex(MemoryState())

    public init() {}

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "memory",
        summary: "in-memory reference implementation (nothing on disk)",
        location: .inProcess,
        options: [],
        open: { _ throws(StoreError) in MemoryMessageStore() })

    public func connect() throws(StoreError) -> MemoryConnection {
        MemoryConnection(store: self)
    }

    public var settings: StoreSettings { .inMemory }

    public func bytesOnDisk() -> UInt64? { nil }

    public func statistics() -> StoreStatistics { .none }

    public func close() {}
}

/// A connection to a ``MemoryMessageStore``. Every call takes the store's mutex once.
public final class MemoryConnection: StoreConnection {
    private let store: MemoryMessageStore

    init(store: MemoryMessageStore) {
        self.store = store
    }

    private func withState<Result>(_ body: (inout MemoryState) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try store.state.withLock { (state: inout MemoryState) throws(StoreError) -> Result in try body(&state) }
    }

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        return try withState { $0.register(phone: phone, displayName: displayName) }
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        let distinct = Validation.distinctPhones(phones)
        return try withState { state throws(StoreError) in try state.importContacts(of: owner, phones: distinct) }
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        return try withState { state throws(StoreError) in try state.directChat(first, second) }
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let all = try Validation.groupMembers(creator: creator, members: members)
        return try withState { state throws(StoreError) in try state.createChat(members: all) }
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        return try withState { state throws(StoreError) in
            try state.send(body, to: chat, from: sender, clientMessageID: clientMessageID)
        }
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        return try withState { state throws(StoreError) in try state.history(of: chat, before: before, limit: limit) }
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        try withState { state throws(StoreError) in try state.markRead(chat, by: user, upTo: sequence) }
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        return try withState { state throws(StoreError) in try state.inbox(of: user, limit: limit) }
    }

    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        try withState { $0.userByPhone[phone] }
    }

    public func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        try withState { $0.summarize(chat: chat) }
    }
}

@available(*, unavailable)
extension MemoryConnection: Sendable {}
