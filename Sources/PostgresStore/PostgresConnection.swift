import CPostgres
import SurgeCore

/// One worker's connection to the server: its statements prepared once, every operation one round trip (a call of
/// one of the store's functions, in its own transaction). A connection the server dropped (a failover) is opened
/// again before the next call; the call that met the drop fails in doubt.
public final class PostgresConnection: StoreConnection {
    private let store: PostgresMessageStore
    private var database: PostgresDatabase

    init(store: PostgresMessageStore) throws(StoreError) {
        self.store = store
        database = try Self.open(store)
    }

    private static func open(_ store: PostgresMessageStore) throws(StoreError) -> PostgresDatabase {
        let database = try PostgresDatabase(connectionString: store.connectionString)
        try database.execute("SET search_path = surgebench; SET synchronous_commit = \(store.configuration.durability.synchronousCommit)")
        for statement in PostgresSchema.statements { try database.prepare(statement.name, statement.sql) }
        return database
    }

    /// The connection, opened again if the server dropped it.
    private func connected() throws(StoreError) -> PostgresDatabase {
        if PQstatus(database.handle) != CONNECTION_OK {
            do throws(StoreError) {
                database = try Self.open(store)
            } catch {
                throw StoreError(.unavailable, error.message, definite: true)  // nothing was sent
            }
        }
        return database
    }

    /// Runs the prepared statement `name`, connecting again first if the server dropped the connection; a write
    /// that succeeded is noted for the store's failover watch.
    private func call(_ name: String, _ parameters: PostgresParameters, isWrite: Bool = false) throws(StoreError) -> PostgresResult {
        let result = try connected().run(name, parameters)
        if isWrite { store.noteWriteSucceeded() }
        return result
    }

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        var parameters = PostgresParameters()
        parameters.text(phone.text)
        parameters.text(displayName)
        let result = try call("register", parameters, isWrite: true)
        return Registration(user: UserID(result.int64(0, 0)), outcome: result.bool(0, 1) ? .created : .alreadyRegistered)
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        var parameters = PostgresParameters()
        parameters.integer(owner.rawValue)
        parameters.texts(Validation.distinctPhones(phones).map(\.text))
        let result = try call("import", parameters, isWrite: true)
        var matches: [ContactMatch] = []
        for row in 0..<result.rowCount {
            let phone = try PhoneNumber(String(decoding: result.bytes(row, 0), as: UTF8.self))
            matches.append(ContactMatch(phone: phone, user: UserID(result.int64(row, 1))))
        }
        return matches
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        var parameters = PostgresParameters()
        parameters.integer(min(first, second).rawValue)
        parameters.integer(max(first, second).rawValue)
        return ChatID(try call("direct", parameters, isWrite: true).int64(0, 0))
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        var parameters = PostgresParameters()
        parameters.integers(try Validation.groupMembers(creator: creator, members: members).map(\.rawValue))
        return ChatID(try call("group", parameters, isWrite: true).int64(0, 0))
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        var parameters = PostgresParameters()
        parameters.integer(chat.rawValue)
        parameters.integer(sender.rawValue)
        parameters.integer(clientMessageID)
        parameters.binary(body)
        let result = try call("send", parameters, isWrite: true)
        return SendReceipt(chat: ChatID(result.int64(0, 0)), sequence: result.int64(0, 1), isDuplicate: result.bool(0, 2))
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        var parameters = PostgresParameters()
        parameters.integer(chat.rawValue)
        parameters.integer(min(before ?? UInt64(Int64.max), UInt64(Int64.max)))
        parameters.integer(min(limit, Int(Int32.max)))
        let result = try call("history", parameters)
        return (0..<result.rowCount).map { row in
            Message(chat: chat, sequence: result.int64(row, 0), sender: UserID(result.int64(row, 1)),
                    clientMessageID: result.int64(row, 2), body: result.bytes(row, 3))
        }
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        var parameters = PostgresParameters()
        parameters.integer(chat.rawValue)
        parameters.integer(user.rawValue)
        parameters.integer(min(sequence, UInt64(Int64.max)))
        return try call("mark", parameters, isWrite: true).int64(0, 0)
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        var parameters = PostgresParameters()
        parameters.integer(user.rawValue)
        parameters.integer(min(limit, Int(Int32.max)))
        let result = try call("inbox", parameters)
        return (0..<result.rowCount).map { row in
            InboxEntry(chat: ChatID(result.int64(row, 0)), lastSequence: result.int64(row, 1), readSequence: result.int64(row, 2),
                       unreadCount: result.int64(row, 3))
        }
    }

    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        var parameters = PostgresParameters()
        parameters.text(phone.text)
        let result = try call("phone", parameters)
        return result.rowCount == 0 ? nil : UserID(result.int64(0, 0))
    }

    public func summarize(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        // One snapshot, so the counts agree with each other.
        let database = try connected()
        try database.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        do throws(StoreError) {
            let users = try database.run("users", PostgresParameters())
            let rows = try database.run("chats", PostgresParameters())
            try database.execute("COMMIT")
            for row in 0..<rows.rowCount {
                visit(StoreSummary.Chat(chat: ChatID(rows.int64(row, 0)), memberCount: Int(rows.int64(row, 2)), messageCount: rows.int64(row, 3),
                                        lastSequence: rows.int64(row, 1), highestStoredSequence: rows.int64(row, 4)))
            }
            return Int(users.int64(0, 0))
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }
}

@available(*, unavailable)
extension PostgresConnection: Sendable {}
