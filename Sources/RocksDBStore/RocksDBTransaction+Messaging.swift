import StoreSupport
import SurgeCore

/// A chat's header row in RocksDB: three big-endian words.
extension ChatHeader {
    init(_ bytes: [UInt8]) {
        self.init(kind: bytes.word(at: 0), lastSequence: bytes.word(at: 1), lastActivity: bytes.word(at: 2))
    }

    var bytes: [UInt8] { BigEndianWords.bytes(kind, lastSequence, lastActivity) }
}

/// The store's operations on an open transaction. Concurrent writers stay correct through the transaction's locks:
/// a send locks its (sender, client id) key, then the chat's header (so one chat's sends take sequences one at a
/// time, gapless), then each other member's row it raises; a mark-read locks the reader's row; registration and
/// direct-chat creation lock the key they would create. Every lock order is that one, so no two writers wait on each
/// other in a cycle. Writes check everything before their first put, so a request error leaves the transaction
/// unchanged (group commit relies on it).
extension RocksDBTransaction: MessagingTransaction {
    // MARK: Lookups

    public func findUser(phone: PhoneNumber) throws(StoreError) -> UserID? {
        try get(.phones, Array(phone.text.utf8)).map { UserID($0.word(at: 0)) }
    }

    func checkUser(_ user: UserID) throws(StoreError) {
        guard try get(.users, BigEndianWords.bytes(user.rawValue)) != nil else { throw Validation.unknownUser(user) }
    }

    func chat(_ chat: ChatID) throws(StoreError) -> ChatHeader {
        guard let bytes = try get(.chats, BigEndianWords.bytes(chat.rawValue)) else { throw Validation.unknownChat(chat) }
        return ChatHeader(bytes)
    }

    /// The member's (read sequence, unread count), or nil when not a member.
    func membership(of user: UserID, in chat: ChatID) throws(StoreError) -> (read: UInt64, unread: UInt64)? {
        try get(.members, BigEndianWords.bytes(chat.rawValue, user.rawValue)).map { ($0.word(at: 0), $0.word(at: 1)) }
    }

    public func findDirectChat(_ low: UserID, _ high: UserID) throws(StoreError) -> ChatID? {
        try get(.directChats, BigEndianWords.bytes(low.rawValue, high.rawValue)).map { ChatID($0.word(at: 0)) }
    }

    // MARK: Writes

    public func register(_ phone: PhoneNumber, _ displayName: String) throws(StoreError) -> Registration {
        let phoneKey = Array(phone.text.utf8)
        if let existing = try lock(.phones, phoneKey) { return Registration(user: UserID(existing.word(at: 0)), outcome: .alreadyRegistered) }
        let user = UserID(database.lastUserID.add(1, ordering: .relaxed).newValue)
        // The user record: the phone's length, the phone, the display name.
        try put(.users, BigEndianWords.bytes(user.rawValue), [UInt8(phoneKey.count)] + phoneKey + Array(displayName.utf8))
        try put(.phones, phoneKey, BigEndianWords.bytes(user.rawValue))
        return Registration(user: user, outcome: .created)
    }

    public func importContacts(of owner: UserID, _ phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        try checkUser(owner)
        let matches = try Validation.contactMatches(of: owner, among: phones) { (phone) throws(StoreError) in try findUser(phone: phone) }
        for match in matches { try put(.contacts, BigEndianWords.bytes(owner.rawValue, match.user.rawValue), []) }
        return matches
    }

    public func createDirectChat(_ low: UserID, _ high: UserID) throws(StoreError) -> ChatID {
        let pairKey = BigEndianWords.bytes(low.rawValue, high.rawValue)
        if let existing = try lock(.directChats, pairKey) { return ChatID(existing.word(at: 0)) }
        let chat = try createChat(kind: ChatHeader.directKind, members: [low, high])
        try put(.directChats, pairKey, BigEndianWords.bytes(chat.rawValue))
        return chat
    }

    public func createChat(kind: UInt64, members: [UserID]) throws(StoreError) -> ChatID {
        for member in members { try checkUser(member) }
        let chat = ChatID(database.lastChatID.add(1, ordering: .relaxed).newValue)
        let header = ChatHeader(kind: kind, lastSequence: 0, lastActivity: database.activityClock.add(1, ordering: .relaxed).newValue)
        try put(.chats, BigEndianWords.bytes(chat.rawValue), header.bytes)
        for member in members {
            try put(.members, BigEndianWords.bytes(chat.rawValue, member.rawValue), BigEndianWords.bytes(0, 0))
            try put(.userChats, BigEndianWords.bytes(member.rawValue, chat.rawValue), [])
        }
        return chat
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        let sendKey = BigEndianWords.bytes(sender.rawValue, clientMessageID)
        if let original = try lock(.sends, sendKey) {
            return SendReceipt(chat: ChatID(original.word(at: 0)), sequence: original.word(at: 1), isDuplicate: true)
        }
        let headerKey = BigEndianWords.bytes(chat.rawValue)
        guard let headerBytes = try lock(.chats, headerKey) else { throw Validation.unknownChat(chat) }
        guard try membership(of: sender, in: chat) != nil else { throw Validation.notAMember(sender, of: chat) }
        var others: [[UInt8]] = []
        try forEach(in: .members, prefix: chat.rawValue) { key, _ in
            if key.word(at: 1) != sender.rawValue { others.append(key) }
            return true
        }
        var header = ChatHeader(headerBytes)
        header.lastSequence += 1
        header.lastActivity = database.activityClock.add(1, ordering: .relaxed).newValue
        try put(.chats, headerKey, header.bytes)
        // The message record: sender, client message id, body.
        try put(.messages, BigEndianWords.bytes(chat.rawValue, header.lastSequence), BigEndianWords.bytes(sender.rawValue, clientMessageID) + body)
        try put(.sends, sendKey, BigEndianWords.bytes(chat.rawValue, header.lastSequence))
        // Fan out on write: every other member's unread count, read under its lock (a mark-read may be changing it).
        for memberKey in others {
            let state = try lock(.members, memberKey) ?? BigEndianWords.bytes(0, 0)
            try put(.members, memberKey, BigEndianWords.bytes(state.word(at: 0), state.word(at: 1) + 1))
        }
        return SendReceipt(chat: chat, sequence: header.lastSequence, isDuplicate: false)
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let memberKey = BigEndianWords.bytes(chat.rawValue, user.rawValue)
        let last = try self.chat(chat).lastSequence
        guard let current = try lock(.members, memberKey).map({ (read: $0.word(at: 0), unread: $0.word(at: 1)) }) else {
            throw Validation.notAMember(user, of: chat)
        }
        let target = min(sequence, last)
        guard target > current.read else { return current.read }
        // Count only the unread range after the new watermark. A send not yet committed is not seen here; it waits
        // for this row's lock and raises the count after this commit.
        var unread: UInt64 = 0
        try forEach(in: .messages, prefix: chat.rawValue, from: BigEndianWords.bytes(chat.rawValue, target + 1)) { _, value in
            if value.word(at: 0) != user.rawValue { unread += 1 }
            return true
        }
        try put(.members, memberKey, BigEndianWords.bytes(target, unread))
        return target
    }

    // MARK: Reads

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        _ = try self.chat(chat)
        let end = before ?? UInt64.max
        guard end > 1 else { return [] }
        var page: [Message] = []
        try forEachBackward(in: .messages, prefix: chat.rawValue, before: BigEndianWords.bytes(chat.rawValue, end)) { key, value in
            page.append(Message(chat: chat, sequence: key.word(at: 1), sender: UserID(value.word(at: 0)), clientMessageID: value.word(at: 1),
                                body: Array(value.dropFirst(16))))
            return page.count < limit
        }
        return page
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try checkUser(user)
        var chats: [(entry: InboxEntry, activity: UInt64)] = []
        var chatIDs: [ChatID] = []
        try forEach(in: .userChats, prefix: user.rawValue) { key, _ in
            chatIDs.append(ChatID(key.word(at: 1)))
            return true
        }
        for chat in chatIDs {
            let header = try self.chat(chat)
            let state = try membership(of: user, in: chat) ?? (0, 0)
            chats.append((InboxEntry(chat: chat, lastSequence: header.lastSequence, readSequence: state.read, unreadCount: state.unread),
                          header.lastActivity))
        }
        chats.sort { $0.activity > $1.activity }
        return chats.prefix(limit).map(\.entry)
    }

    public func summarize(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        var userCount = 0
        try forEach(in: .users) { _, _ in
            userCount += 1
            return true
        }
        try forEach(in: .chats) { (key, value) throws(StoreError) in
            var summary = StoreSummary.Chat(chat: ChatID(key.word(at: 0)), memberCount: 0, messageCount: 0,
                                            lastSequence: ChatHeader(value).lastSequence, highestStoredSequence: 0)
            try forEach(in: .members, prefix: summary.chat.rawValue) { _, _ in
                summary.memberCount += 1
                return true
            }
            try forEach(in: .messages, prefix: summary.chat.rawValue) { key, _ in
                summary.messageCount += 1
                summary.highestStoredSequence = max(summary.highestStoredSequence, key.word(at: 1))
                return true
            }
            visit(summary)
            return true
        }
        return userCount
    }
}
