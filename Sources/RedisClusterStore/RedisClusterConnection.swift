import SurgeCore

/// One worker's connection to the cluster: its own slot table and node connections; each operation is one function
/// call on the slot it concerns, or one pipeline per node for operations that span slots.
public final class RedisClusterConnection: StoreConnection {
    private let client: ClusterClient
    private unowned let store: RedisClusterMessageStore

    init(store: RedisClusterMessageStore) throws(StoreError) {
        self.store = store
        client = try ClusterClient(seeds: store.seeds, replicasToWait: store.configuration.durability == .replicated ? 1 : 0)
    }

    deinit {
        let redirects = client.redirects
        store.redirectTotals.withLock {
            $0.moved += redirects.moved
            $0.ask += redirects.ask
            $0.tryAgain += redirects.tryAgain
        }
    }

    // MARK: Keys

    /// The slot an id encodes (ids are `counter * 16384 + slot`), and that slot's tag.
    private static func slot(of id: UInt64) -> Int { Int(id % UInt64(ClusterSlot.count)) }
    private static func tag(of id: UInt64) -> String { ClusterSlot.tags[slot(of: id)] }
    private static func key(_ id: UInt64, _ name: String) -> String { "{\(tag(of: id))}:\(name)" }

    /// `FCALL function 1 key args...` as an argument vector.
    private static func call(_ function: String, key: String, _ arguments: [String], body: [UInt8]? = nil) -> [[UInt8]] {
        var vector = ["FCALL", function, "1", key].map { Array($0.utf8) } + arguments.map { Array($0.utf8) }
        if let body { vector.append(body) }
        return vector
    }

    /// Runs one function call on `key`'s slot; maps the functions' errors to ``StoreError`` kinds.
    private func run(_ function: String, key: String, _ arguments: [String], body: [UInt8]? = nil, isWrite: Bool) throws(StoreError) -> RedisReply {
        try Self.check(try client.execute(Self.call(function, key: key, arguments, body: body), slot: ClusterSlot.of(key), isWrite: isWrite))
    }

    private static func check(_ reply: RedisReply) throws(StoreError) -> RedisReply {
        guard case .error(let message) = reply else { return reply }
        let kind: StoreError.Kind = switch message.prefix(5) {
        case RedisFunctions.unknownUser: .unknownUser
        case RedisFunctions.unknownChat: .unknownChat
        case RedisFunctions.notAMember: .notAMember
        default: message.hasPrefix("OOM") ? .storeFull : .engine
        }
        throw StoreError(kind, kind == .engine || kind == .storeFull ? "Redis error: \(message)" : String(message.dropFirst(6)))
    }

    /// Throws `.unknownUser` for any of `users` that is not registered (one pipeline per node).
    private func checkUsersExist(_ users: [UserID]) throws(StoreError) {
        let replies = try client.executeAll(users.map { user in
            let key = Self.key(user.rawValue, "users")
            return (ClusterSlot.of(key), Self.call("sb_user_exists", key: key, [Self.tag(of: user.rawValue), String(user.rawValue)]))
        }, isWrite: false)
        for (user, reply) in zip(users, replies) where try Self.check(reply).integer != 1 {
            throw StoreError(.unknownUser, "no user \(user.rawValue)")
        }
    }

    /// Adds `chat` to each member's chat list (idempotent; one pipeline per node).
    private func addToChatLists(_ chat: UInt64, members: [UserID]) throws(StoreError) {
        let replies = try client.executeAll(members.map { member in
            let key = Self.key(member.rawValue, "uc:\(member.rawValue)")
            return (ClusterSlot.of(key), ["SADD", key, String(chat)].map { Array($0.utf8) })
        }, isWrite: true)
        for reply in replies { _ = try Self.check(reply) }
    }

    // MARK: Operations

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        let phoneKey = "{p:\(phone.text)}"
        let slot = ClusterSlot.of(phoneKey)
        let reply = try run("sb_register", key: phoneKey, [ClusterSlot.tags[slot], String(slot), displayName], isWrite: true)
        guard reply.elements.count == 2, let user = reply.elements[0].integer else { throw Self.unexpected(reply, in: "register") }
        return Registration(user: UserID(user), outcome: reply.elements[1].integer == 1 ? .created : .alreadyRegistered)
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        let distinct = Validation.distinctPhones(phones)
        let replies = try client.executeAll(distinct.map { phone in
            let key = "{p:\(phone.text)}"
            return (ClusterSlot.of(key), ["GET", key].map { Array($0.utf8) })
        }, isWrite: false)
        var matches: [ContactMatch] = []
        for (phone, reply) in zip(distinct, replies) {
            if let user = try Self.check(reply).integer, user != owner.rawValue { matches.append(ContactMatch(phone: phone, user: UserID(user))) }
        }
        _ = try run("sb_add_contacts", key: Self.key(owner.rawValue, "users"),
                    [Self.tag(of: owner.rawValue), String(owner.rawValue)] + matches.map { String($0.user.rawValue) }, isWrite: true)
        return matches
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        let (low, high) = (min(first, second), max(first, second))
        try checkUsersExist([low, high])
        let pairKey = "{d:\(low.rawValue):\(high.rawValue)}"
        let slot = ClusterSlot.of(pairKey)
        let reply = try run("sb_direct", key: pairKey, [ClusterSlot.tags[slot], String(slot), String(low.rawValue), String(high.rawValue)],
                            isWrite: true)
        guard let chat = reply.integer else { throw Self.unexpected(reply, in: "direct chat") }
        // Always, also for an existing chat: a call cut short before this point is completed by the next one.
        try addToChatLists(chat, members: [low, high])
        return ChatID(chat)
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let everyone = try Validation.groupMembers(creator: creator, members: members)
        try checkUsersExist(everyone)
        // The group lives on its creator's slot.
        let counterKey = Self.key(creator.rawValue, "seq:c")
        let reply = try run("sb_group", key: counterKey, [Self.tag(of: creator.rawValue), String(Self.slot(of: creator.rawValue))]
                            + everyone.map { String($0.rawValue) }, isWrite: true)
        guard let chat = reply.integer else { throw Self.unexpected(reply, in: "group") }
        try addToChatLists(chat, members: everyone)
        return ChatID(chat)
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        let reply = try run("sb_send", key: Self.key(chat.rawValue, "c:\(chat.rawValue)"),
                            [Self.tag(of: chat.rawValue), String(chat.rawValue), String(sender.rawValue), String(clientMessageID)],
                            body: body, isWrite: true)
        guard reply.elements.count == 2, let sequence = reply.elements[0].integer else { throw Self.unexpected(reply, in: "send") }
        return SendReceipt(chat: chat, sequence: sequence, isDuplicate: reply.elements[1].integer == 1)
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        let top = before.map { $0 == 0 ? 0 : $0 - 1 } ?? UInt64.max
        let reply = try run("sb_history", key: Self.key(chat.rawValue, "c:\(chat.rawValue)"),
                            [Self.tag(of: chat.rawValue), String(chat.rawValue), String(min(top, Self.largestExactNumber)), String(limit)],
                            isWrite: false)
        let fields = reply.elements
        return try stride(from: 0, to: fields.count - 1, by: 2).map { (index) throws(StoreError) -> Message in
            guard let sequence = fields[index].integer, let packed = fields[index + 1].bytes else { throw Self.unexpected(reply, in: "history") }
            return try Self.message(packed, chat: chat, sequence: sequence)
        }
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let reply = try run("sb_mark", key: Self.key(chat.rawValue, "c:\(chat.rawValue)"),
                            [Self.tag(of: chat.rawValue), String(chat.rawValue), String(user.rawValue), String(min(sequence, Self.largestExactNumber))],
                            isWrite: true)
        guard let watermark = reply.integer else { throw Self.unexpected(reply, in: "mark read") }
        return watermark
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        let chats = try run("sb_chats", key: Self.key(user.rawValue, "users"), [Self.tag(of: user.rawValue), String(user.rawValue)],
                            isWrite: false).elements.compactMap(\.integer)
        let replies = try client.executeAll(chats.map { chat in
            let key = Self.key(chat, "c:\(chat)")
            return (ClusterSlot.of(key), Self.call("sb_entry", key: key, [Self.tag(of: chat), String(chat), String(user.rawValue)]))
        }, isWrite: false)
        var entries: [(activity: UInt64, entry: InboxEntry)] = []
        for (chat, reply) in zip(chats, replies) {
            let fields = try Self.check(reply).elements.map(\.integer)
            guard fields.count == 4, let last = fields[0], let activity = fields[1], let read = fields[2], let unread = fields[3] else {
                throw Self.unexpected(reply, in: "inbox")
            }
            entries.append((activity, InboxEntry(chat: ChatID(chat), lastSequence: last, readSequence: read, unreadCount: unread)))
        }
        entries.sort { ($0.activity, $0.entry.chat.rawValue) > ($1.activity, $1.entry.chat.rawValue) }
        return entries.prefix(limit).map(\.entry)
    }

    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        let key = "{p:\(phone.text)}"
        return try Self.check(try client.execute(["GET", key].map { Array($0.utf8) }, slot: ClusterSlot.of(key), isWrite: false)).integer
            .map { UserID($0) }
    }

    /// Every master's users and chats, slot by slot (keys found by SCAN on the node that holds them).
    public func summary() throws(StoreError) -> StoreSummary {
        var users = 0
        var chats: [StoreSummary.Chat] = []
        for master in client.masters {
            let connection = try client.connection(to: master)
            for key in try scan(connection, matching: "{*}:users") {
                users += Int(try Self.check(try connection.command(["HLEN", key].map { Array($0.utf8) })).integer ?? 0)
            }
            for key in try scan(connection, matching: "{*}:chats") {
                let tag = String(key.dropFirst().prefix { $0 != "}" })
                let reply = try Self.check(try connection.command(Self.call("sb_slot_summary", key: key, [tag])))
                for row in reply.elements {
                    let fields = row.elements.map(\.integer)
                    guard fields.count == 5, let chat = fields[0], let last = fields[1], let members = fields[2], let messages = fields[3],
                          let highest = fields[4] else { throw Self.unexpected(reply, in: "summary") }
                    chats.append(StoreSummary.Chat(chat: ChatID(chat), memberCount: Int(members), messageCount: messages,
                                                   lastSequence: last, highestStoredSequence: highest))
                }
            }
        }
        return StoreSummary(userCount: users, chats: chats.sorted { $0.chat < $1.chat })
    }

    private func scan(_ connection: RedisNodeConnection, matching pattern: String) throws(StoreError) -> [String] {
        var keys: [String] = []
        var cursor = "0"
        repeat {
            let reply = try Self.check(try connection.command(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"].map { Array($0.utf8) }))
            guard reply.elements.count == 2, let next = reply.elements[0].text else { throw Self.unexpected(reply, in: "scan") }
            keys += reply.elements[1].elements.compactMap(\.text)
            cursor = next
        } while cursor != "0"
        return keys
    }

    // MARK: Values

    /// Lua keeps numbers as doubles: sequences and watermarks sent to it stay below 2^53.
    private static let largestExactNumber: UInt64 = 1 << 53

    /// A stored message: `sender:client:body`.
    private static func message(_ packed: [UInt8], chat: ChatID, sequence: UInt64) throws(StoreError) -> Message {
        let colon = UInt8(ascii: ":")
        guard let first = packed.firstIndex(of: colon), let second = packed[(first + 1)...].firstIndex(of: colon),
              let sender = UInt64(String(decoding: packed[..<first], as: UTF8.self)),
              let client = UInt64(String(decoding: packed[(first + 1)..<second], as: UTF8.self)) else {
            throw StoreError(.engine, "chat \(chat.rawValue) holds a damaged message at sequence \(sequence)")
        }
        return Message(chat: chat, sequence: sequence, sender: UserID(sender), clientMessageID: client, body: Array(packed[(second + 1)...]))
    }

    private static func unexpected(_ reply: RedisReply, in operation: String) -> StoreError {
        StoreError(.engine, "unexpected Redis reply to \(operation): \(String(describing: reply).prefix(200))")
    }
}

@available(*, unavailable)
extension RedisClusterConnection: Sendable {}
