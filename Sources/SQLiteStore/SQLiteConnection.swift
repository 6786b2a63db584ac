import CSQLite
import Synchronization
import StoreSupport
import SurgeCore

/// One worker's connection to an ``SQLiteMessageStore``, with every statement prepared once.
///
/// Writes run in `BEGIN IMMEDIATE` transactions (so a writer waits for the lock up to the busy timeout instead of
/// failing on upgrade); under group commit, the leader's connection runs the whole group's writes.
public final class SQLiteConnection: StoreConnection, GroupCommitting {
    private let store: SQLiteMessageStore
    let database: SQLiteDatabase

    private let begin, commit, rollback: SQLiteStatement
    private let userByPhone, userExists, insertUser: SQLiteStatement
    private let insertContact: SQLiteStatement
    private let directChatByPair, insertChat, insertDirectChat, insertMember: SQLiteStatement
    private let sendByClientID, chatLastSequence, membership, advanceChat, insertMessage, raiseUnread: SQLiteStatement
    private let historyPage, unreadAfter, updateReadState, inboxPage: SQLiteStatement
    private let countUsers, chatSummaries: SQLiteStatement

    init(store: SQLiteMessageStore) throws(StoreError) {
        self.store = store
        let configuration = store.configuration
        let database = try SQLiteDatabase(path: store.databasePath, busyTimeoutMillis: configuration.busyTimeoutMillis)
        self.database = database
        try database.execute("""
            PRAGMA synchronous = \(configuration.durability.pragma);
            PRAGMA wal_autocheckpoint = \(configuration.autoCheckpointPages);
            """)
        begin = try database.prepare("BEGIN IMMEDIATE")
        commit = try database.prepare("COMMIT")
        rollback = try database.prepare("ROLLBACK")
        userByPhone = try database.prepare("SELECT id FROM users WHERE phone = ?1")
        userExists = try database.prepare("SELECT 1 FROM users WHERE id = ?1")
        insertUser = try database.prepare("INSERT INTO users (phone, name) VALUES (?1, ?2)")
        insertContact = try database.prepare("INSERT OR IGNORE INTO contacts (owner_id, contact_id) VALUES (?1, ?2)")
        directChatByPair = try database.prepare("SELECT chat_id FROM direct_chats WHERE low_user_id = ?1 AND high_user_id = ?2")
        insertChat = try database.prepare("INSERT INTO chats (kind, last_seq, last_activity) VALUES (?1, 0, ?2)")
        insertDirectChat = try database.prepare("INSERT INTO direct_chats (low_user_id, high_user_id, chat_id) VALUES (?1, ?2, ?3)")
        insertMember = try database.prepare("INSERT INTO members (chat_id, user_id, read_seq, unread) VALUES (?1, ?2, 0, 0)")
        sendByClientID = try database.prepare("SELECT chat_id, seq FROM messages WHERE sender_id = ?1 AND client_id = ?2")
        chatLastSequence = try database.prepare("SELECT last_seq FROM chats WHERE id = ?1")
        membership = try database.prepare("SELECT read_seq FROM members WHERE chat_id = ?1 AND user_id = ?2")
        advanceChat = try database.prepare("UPDATE chats SET last_seq = ?2, last_activity = ?3 WHERE id = ?1")
        insertMessage = try database.prepare(
            "INSERT INTO messages (chat_id, seq, sender_id, client_id, body) VALUES (?1, ?2, ?3, ?4, ?5)")
        raiseUnread = try database.prepare("UPDATE members SET unread = unread + 1 WHERE chat_id = ?1 AND user_id <> ?2")
        historyPage = try database.prepare(
            "SELECT seq, sender_id, client_id, body FROM messages WHERE chat_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3")
        unreadAfter = try database.prepare(
            "SELECT count(*) FROM messages WHERE chat_id = ?1 AND seq > ?2 AND sender_id <> ?3")
        updateReadState = try database.prepare("UPDATE members SET read_seq = ?3, unread = ?4 WHERE chat_id = ?1 AND user_id = ?2")
        inboxPage = try database.prepare("""
            SELECT c.id, c.last_seq, m.read_seq, m.unread FROM members m JOIN chats c ON c.id = m.chat_id
            WHERE m.user_id = ?1 ORDER BY c.last_activity DESC LIMIT ?2
            """)
        countUsers = try database.prepare("SELECT count(*) FROM users")
        chatSummaries = try database.prepare("""
            SELECT c.id, c.last_seq,
                   (SELECT count(*) FROM members WHERE chat_id = c.id),
                   (SELECT count(*) FROM messages WHERE chat_id = c.id),
                   (SELECT coalesce(max(seq), 0) FROM messages WHERE chat_id = c.id)
            FROM chats c ORDER BY c.id
            """)
    }

    // MARK: Transactions

    /// The store's group-commit queue; nil under per-op commit. A group's writes run on its leader's connection.
    public var groupCommit: GroupCommitQueue<SQLiteConnection>? { store.groupCommit }

    /// One `BEGIN IMMEDIATE` ... `COMMIT` on this connection; rolls back when `body` throws.
    public func writeTransaction<Result>(_ body: (SQLiteConnection) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try begin.run()
        do throws(StoreError) {
            let result = try body(self)
            try commit.run()
            return result
        } catch {
            // After a failed COMMIT SQLite may already have rolled back; the ROLLBACK error then says so, harmlessly.
            try? rollback.run()
            throw error
        }
    }

    // MARK: Lookups shared by reads and writes

    private func findUser(phone: PhoneNumber) throws(StoreError) -> UserID? {
        defer { userByPhone.reset() }
        return try userByPhone.withBinding(1, text: phone.text) { () throws(StoreError) in
            try userByPhone.step() ? UserID(userByPhone.uint64(0)) : nil
        }
    }

    private func checkUser(_ user: UserID) throws(StoreError) {
        try userExists.bind(1, user.rawValue)
        defer { userExists.reset() }
        guard try userExists.step() else { throw Validation.unknownUser(user) }
    }

    private func lastSequence(of chat: ChatID) throws(StoreError) -> UInt64 {
        try chatLastSequence.bind(1, chat.rawValue)
        defer { chatLastSequence.reset() }
        guard try chatLastSequence.step() else { throw Validation.unknownChat(chat) }
        return chatLastSequence.uint64(0)
    }

    private func readSequence(of user: UserID, in chat: ChatID) throws(StoreError) -> UInt64? {
        try membership.bind(1, chat.rawValue)
        try membership.bind(2, user.rawValue)
        defer { membership.reset() }
        return try membership.step() ? membership.uint64(0) : nil
    }

    private func findDirectChat(_ pair: (low: UserID, high: UserID)) throws(StoreError) -> ChatID? {
        try directChatByPair.bind(1, pair.low.rawValue)
        try directChatByPair.bind(2, pair.high.rawValue)
        defer { directChatByPair.reset() }
        return try directChatByPair.step() ? ChatID(directChatByPair.uint64(0)) : nil
    }

    // MARK: Users and contacts

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        return try write { connection throws(StoreError) in try connection.registerInTransaction(phone, displayName) }
    }

    private func registerInTransaction(_ phone: PhoneNumber, _ displayName: String) throws(StoreError) -> Registration {
        if let existing = try findUser(phone: phone) { return Registration(user: existing, outcome: .alreadyRegistered) }
        try insertUser.withBinding(1, text: phone.text) { () throws(StoreError) in
            try insertUser.withBinding(2, text: displayName) { () throws(StoreError) in try insertUser.run() }
        }
        return Registration(user: UserID(UInt64(sqlite3_last_insert_rowid(database.handle))), outcome: .created)
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        let distinct = Validation.distinctPhones(phones)
        return try write { connection throws(StoreError) in try connection.importInTransaction(owner, distinct) }
    }

    private func importInTransaction(_ owner: UserID, _ phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        try checkUser(owner)
        let matches = try Validation.contactMatches(of: owner, among: phones) { (phone) throws(StoreError) in try findUser(phone: phone) }
        for match in matches {
            try insertContact.bind(1, owner.rawValue)
            try insertContact.bind(2, match.user.rawValue)
            try insertContact.run()
        }
        return matches
    }

    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        try findUser(phone: phone)
    }

    // MARK: Chats

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        let pair = first < second ? (first, second) : (second, first)
        // Most calls find the chat: answer them without taking the write lock.
        if let chat = try findDirectChat(pair) { return chat }
        return try write { connection throws(StoreError) in
            if let chat = try connection.findDirectChat(pair) { return chat }
            let chat = try connection.createChatInTransaction(kind: 1, members: [pair.0, pair.1])
            try connection.insertDirectChat.bind(1, pair.0.rawValue)
            try connection.insertDirectChat.bind(2, pair.1.rawValue)
            try connection.insertDirectChat.bind(3, chat.rawValue)
            try connection.insertDirectChat.run()
            return chat
        }
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let all = try Validation.groupMembers(creator: creator, members: members)
        return try write { connection throws(StoreError) in try connection.createChatInTransaction(kind: 2, members: all) }
    }

    private func createChatInTransaction(kind: UInt64, members: [UserID]) throws(StoreError) -> ChatID {
        for member in members { try checkUser(member) }
        try insertChat.bind(1, kind)
        try insertChat.bind(2, store.activityClock.add(1, ordering: .relaxed).newValue)
        try insertChat.run()
        let chat = ChatID(UInt64(sqlite3_last_insert_rowid(database.handle)))
        for member in members {
            try insertMember.bind(1, chat.rawValue)
            try insertMember.bind(2, member.rawValue)
            try insertMember.run()
        }
        return chat
    }

    // MARK: Messages

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        return try write { connection throws(StoreError) in
            try connection.sendInTransaction(body, to: chat, from: sender, clientMessageID: clientMessageID)
        }
    }

    private func sendInTransaction(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try sendByClientID.bind(1, sender.rawValue)
        try sendByClientID.bind(2, clientMessageID)
        let original = try sendByClientID.step() ? (ChatID(sendByClientID.uint64(0)), sendByClientID.uint64(1)) : nil
        sendByClientID.reset()
        if let original { return SendReceipt(chat: original.0, sequence: original.1, isDuplicate: true) }

        let sequence = try lastSequence(of: chat) + 1
        guard try readSequence(of: sender, in: chat) != nil else { throw Validation.notAMember(sender, of: chat) }
        try advanceChat.bind(1, chat.rawValue)
        try advanceChat.bind(2, sequence)
        try advanceChat.bind(3, store.activityClock.add(1, ordering: .relaxed).newValue)
        try advanceChat.run()
        try insertMessage.bind(1, chat.rawValue)
        try insertMessage.bind(2, sequence)
        try insertMessage.bind(3, sender.rawValue)
        try insertMessage.bind(4, clientMessageID)
        try insertMessage.withBinding(5, blob: body) { () throws(StoreError) in try insertMessage.run() }
        try raiseUnread.bind(1, chat.rawValue)
        try raiseUnread.bind(2, sender.rawValue)
        try raiseUnread.run()
        return SendReceipt(chat: chat, sequence: sequence, isDuplicate: false)
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        _ = try lastSequence(of: chat)
        try historyPage.bind(1, chat.rawValue)
        try historyPage.bind(2, min(before ?? UInt64(Int64.max), UInt64(Int64.max)))
        try historyPage.bind(3, UInt64(limit))
        defer { historyPage.reset() }
        var page: [Message] = []
        while try historyPage.step() {
            page.append(Message(
                chat: chat, sequence: historyPage.uint64(0), sender: UserID(historyPage.uint64(1)),
                clientMessageID: historyPage.uint64(2), body: historyPage.bytes(3)))
        }
        return page
    }

    // MARK: Read state

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        try write { connection throws(StoreError) in try connection.markReadInTransaction(chat, by: user, upTo: sequence) }
    }

    private func markReadInTransaction(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let last = try lastSequence(of: chat)
        guard let current = try readSequence(of: user, in: chat) else { throw Validation.notAMember(user, of: chat) }
        let target = min(sequence, last)
        guard target > current else { return current }
        // Only the messages after the new watermark are counted: the unread range, never the whole chat.
        try unreadAfter.bind(1, chat.rawValue)
        try unreadAfter.bind(2, target)
        try unreadAfter.bind(3, user.rawValue)
        _ = try unreadAfter.step()
        let unread = unreadAfter.uint64(0)
        unreadAfter.reset()
        try updateReadState.bind(1, chat.rawValue)
        try updateReadState.bind(2, user.rawValue)
        try updateReadState.bind(3, target)
        try updateReadState.bind(4, unread)
        try updateReadState.run()
        return target
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        try checkUser(user)
        try inboxPage.bind(1, user.rawValue)
        try inboxPage.bind(2, UInt64(limit))
        defer { inboxPage.reset() }
        var entries: [InboxEntry] = []
        while try inboxPage.step() {
            entries.append(InboxEntry(
                chat: ChatID(inboxPage.uint64(0)), lastSequence: inboxPage.uint64(1),
                readSequence: inboxPage.uint64(2), unreadCount: inboxPage.uint64(3)))
        }
        return entries
    }

    // MARK: Verification

    public func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        // One read transaction, so the counts agree with each other; a failed COMMIT is an error, not a summary.
        try database.execute("BEGIN")
        let userCount: Int
        do throws(StoreError) {
            userCount = try readSummary(chat: chat)
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
        try database.execute("COMMIT")
        return userCount
    }

    private func readSummary(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        defer { countUsers.reset() }
        _ = try countUsers.step()
        let userCount = Int(countUsers.uint64(0))
        defer { chatSummaries.reset() }
        while try chatSummaries.step() {
            visit(StoreSummary.Chat(
                chat: ChatID(chatSummaries.uint64(0)), memberCount: Int(chatSummaries.uint64(2)),
                messageCount: chatSummaries.uint64(3), lastSequence: chatSummaries.uint64(1),
                highestStoredSequence: chatSummaries.uint64(4)))
        }
        return userCount
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}
