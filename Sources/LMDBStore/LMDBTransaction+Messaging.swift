import CLMDB
import StoreSupport
import SurgeCore

/// The store's operations on an open transaction. Writes validate everything before their first put, so a request
/// error leaves the transaction unchanged (group commit relies on it).
extension LMDBTransaction: MessagingTransaction {
    // MARK: Lookups

    public func findUser(phone: PhoneNumber) throws(StoreError) -> UserID? {
        try phone.text.withUTF8Bytes { (text) throws(StoreError) in try get(databases.phones, bytes: text).map { UserID($0.word(at: 0)) } }
    }

    func checkUser(_ user: UserID) throws(StoreError) {
        guard try get(databases.users, LMDBKey(user.rawValue)) != nil else { throw Validation.unknownUser(user) }
    }

    func chat(_ chat: ChatID) throws(StoreError) -> ChatHeader {
        guard let bytes = try get(databases.chats, LMDBKey(chat.rawValue)) else { throw Validation.unknownChat(chat) }
        return ChatHeader(bytes)
    }

    /// The member's (read sequence, unread count), or nil when not a member.
    func membership(of user: UserID, in chat: ChatID) throws(StoreError) -> (read: UInt64, unread: UInt64)? {
        try get(databases.members, LMDBKey(chat.rawValue, user.rawValue)).map { ($0.word(at: 0), $0.word(at: 1)) }
    }

    public func findDirectChat(_ low: UserID, _ high: UserID) throws(StoreError) -> ChatID? {
        try get(databases.directChats, LMDBKey(low.rawValue, high.rawValue)).map { ChatID($0.word(at: 0)) }
    }

    // MARK: Writes

    public func register(_ phone: PhoneNumber, _ displayName: String) throws(StoreError) -> Registration {
        if let existing = try findUser(phone: phone) { return Registration(user: existing, outcome: .alreadyRegistered) }
        let user = UserID(environment.lastUserID.add(1, ordering: .relaxed).newValue)
        try phone.text.withUTF8Bytes { (text) throws(StoreError) in
            // The user record: the phone's length, the phone, the display name.
            try displayName.withUTF8Bytes { (nameBytes) throws(StoreError) in
                try put(databases.users, LMDBKey(user.rawValue), reserving: 1 + text.count + nameBytes.count) { record in
                    record[0] = UInt8(text.count)
                    UnsafeMutableRawBufferPointer(rebasing: record[1...]).copyMemory(from: text)
                    UnsafeMutableRawBufferPointer(rebasing: record[(1 + text.count)...]).copyMemory(from: nameBytes)
                }
            }
            try put(databases.phones, bytes: text, LMDBWords(user.rawValue))
        }
        return Registration(user: user, outcome: .created)
    }

    public func importContacts(of owner: UserID, _ phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        try checkUser(owner)
        let matches = try Validation.contactMatches(of: owner, among: phones) { (phone) throws(StoreError) in try findUser(phone: phone) }
        for match in matches {
            try put(databases.contacts, LMDBKey(owner.rawValue, match.user.rawValue), bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return matches
    }

    public func createDirectChat(_ low: UserID, _ high: UserID) throws(StoreError) -> ChatID {
        if let chat = try findDirectChat(low, high) { return chat }
        let chat = try createChat(kind: ChatHeader.directKind, members: [low, high])
        try put(databases.directChats, LMDBKey(low.rawValue, high.rawValue), LMDBWords(chat.rawValue))
        return chat
    }

    public func createChat(kind: UInt64, members: [UserID]) throws(StoreError) -> ChatID {
        for member in members { try checkUser(member) }
        let chat = ChatID(environment.lastChatID.add(1, ordering: .relaxed).newValue)
        let header = ChatHeader(kind: kind, lastSequence: 0, lastActivity: environment.activityClock.add(1, ordering: .relaxed).newValue)
        try put(databases.chats, LMDBKey(chat.rawValue), header.words)
        for member in members {
            try put(databases.members, LMDBKey(chat.rawValue, member.rawValue), LMDBWords(0, 0))
            try put(databases.userChats, LMDBKey(member.rawValue, chat.rawValue), bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return chat
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64)
        throws(StoreError) -> SendReceipt
    {
        if let original = try get(databases.sends, LMDBKey(sender.rawValue, clientMessageID)) {
            return SendReceipt(chat: ChatID(original.word(at: 0)), sequence: original.word(at: 1), isDuplicate: true)
        }
        var header = try self.chat(chat)
        guard try membership(of: sender, in: chat) != nil else { throw Validation.notAMember(sender, of: chat) }
        header.lastSequence += 1
        header.lastActivity = environment.activityClock.add(1, ordering: .relaxed).newValue
        try put(databases.chats, LMDBKey(chat.rawValue), header.words)
        // The message record: sender, client message id, body.
        try put(databases.messages, LMDBKey(chat.rawValue, header.lastSequence), reserving: 16 + body.count) { record in
            record.storeWord(sender.rawValue, at: 0)
            record.storeWord(clientMessageID, at: 1)
            body.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: record[16...]).copyMemory(from: $0) }
        }
        try put(databases.sends, LMDBKey(sender.rawValue, clientMessageID), LMDBWords(chat.rawValue, header.lastSequence))
        // Fan out: one cursor walk over the chat's member range raises every other member's unread count.
        try withCursor(databases.members) { cursor throws(StoreError) in
            var entry = try cursor.seek(atOrAfter: LMDBKey(chat.rawValue, 0))
            while let (key, value) = entry, key.word(at: 0) == chat.rawValue {
                if key.word(at: 1) != sender.rawValue {
                    try cursor.replaceCurrent(key: key, with: LMDBWords(value.word(at: 0), value.word(at: 1) + 1))
                }
                entry = try cursor.next()
            }
        }
        return SendReceipt(chat: chat, sequence: header.lastSequence, isDuplicate: false)
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let last = try self.chat(chat).lastSequence
        guard let current = try membership(of: user, in: chat) else { throw Validation.notAMember(user, of: chat) }
        let target = min(sequence, last)
        guard target > current.read else { return current.read }
        // Count only the unread range after the new watermark.
        var unread: UInt64 = 0
        try withCursor(databases.messages) { cursor throws(StoreError) in
            var entry = try cursor.seek(atOrAfter: LMDBKey(chat.rawValue, target + 1))
            while let (key, value) = entry, key.word(at: 0) == chat.rawValue {
                if value.word(at: 0) != user.rawValue { unread += 1 }
                entry = try cursor.next()
            }
        }
        try put(databases.members, LMDBKey(chat.rawValue, user.rawValue), LMDBWords(target, unread))
        return target
    }

    // MARK: Reads

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        _ = try self.chat(chat)
        let end = before ?? UInt64.max
        guard end > 1 else { return [] }
        return try withCursor(databases.messages) { cursor throws(StoreError) in
            // Position on the first key at or after (chat, end), then walk backwards: one range scan.
            var entry = try cursor.seek(atOrAfter: LMDBKey(chat.rawValue, end)) != nil ? try cursor.previous() : try cursor.last()
            var page: [Message] = []
            while page.count < limit, let (key, value) = entry, key.word(at: 0) == chat.rawValue {
                if key.word(at: 1) < end {
                    page.append(Message(
                        chat: chat, sequence: key.word(at: 1), sender: UserID(value.word(at: 0)),
                        clientMessageID: value.word(at: 1), body: Array(value[16...])))
                }
                entry = try cursor.previous()
            }
            return page
        }
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try checkUser(user)
        var chats: [(entry: InboxEntry, activity: UInt64)] = []
        try withCursor(databases.userChats) { cursor throws(StoreError) in
            var entry = try cursor.seek(atOrAfter: LMDBKey(user.rawValue, 0))
            while let (key, _) = entry, key.word(at: 0) == user.rawValue {
                let chat = ChatID(key.word(at: 1))
                let header = try self.chat(chat)
                let state = try membership(of: user, in: chat) ?? (0, 0)
                chats.append((InboxEntry(chat: chat, lastSequence: header.lastSequence, readSequence: state.read, unreadCount: state.unread),
                              header.lastActivity))
                entry = try cursor.next()
            }
        }
        chats.sort { $0.activity > $1.activity }
        return chats.prefix(limit).map(\.entry)
    }

    public func summarize(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        var userCount = 0
        try withCursor(databases.users) { cursor throws(StoreError) in
            var entry = try cursor.first()
            while entry != nil {
                userCount += 1
                entry = try cursor.next()
            }
        }
        try withCursor(databases.chats) { cursor throws(StoreError) in
            var entry = try cursor.first()
            while let (key, value) = entry {
                let chat = ChatID(key.word(at: 0))
                let messages = try countRange(databases.messages, prefix: chat.rawValue)
                visit(StoreSummary.Chat(
                    chat: chat, memberCount: try countRange(databases.members, prefix: chat.rawValue).count,
                    messageCount: UInt64(messages.count), lastSequence: ChatHeader(value).lastSequence,
                    highestStoredSequence: messages.highestSecondWord))
                entry = try cursor.next()
            }
        }
        return userCount
    }

    /// How many keys start with `prefix`, and the largest second word among them.
    private func countRange(_ database: MDB_dbi, prefix: UInt64) throws(StoreError) -> (count: Int, highestSecondWord: UInt64) {
        try withCursor(database) { cursor throws(StoreError) in
            var count = 0
            var highest: UInt64 = 0
            var entry = try cursor.seek(atOrAfter: LMDBKey(prefix, 0))
            while let (key, _) = entry, key.word(at: 0) == prefix {
                count += 1
                highest = max(highest, key.word(at: 1))
                entry = try cursor.next()
            }
            return (count, highest)
        }
    }
}
