import SurgeCore

/// One worker's connection to the cluster: its own slot table and node connections; each operation is one function
/// call on the slot it concerns, or one pipeline per node for operations that span slots.
public final class RedisClusterConnection: StoreConnection {
    private let client: ClusterClient
    private unowned let store: RedisClusterMessageStore

    init(store: RedisClusterMessageStore) throws(StoreError) {
        self.store = store
        client = try ClusterClient(seeds: store.seeds, replicasToWait: store.configuration.durability == .replicated ? 1 : 0,
                                   writeWatch: store.affectedSlots)
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

    /// The keys of chat `chat`'s header, members, unread counts, messages and idempotency keys.
    private static func chatKeys(_ chat: UInt64) -> [String] { ["c", "m", "n", "msg", "i"].map { key(chat, "\($0):\(chat)") } }

    /// The function call ``send(_:to:from:clientMessageID:)`` makes, as an argument vector (the redis-benchmark check
    /// gives redis-benchmark the same one).
    package static func sendCall(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) -> [[UInt8]] {
        call("sb_send", keys: chatKeys(chat.rawValue), [String(chat.rawValue), String(sender.rawValue), String(clientMessageID)], body: body)
    }

    /// The function call ``history(of:before:limit:)`` makes, as an argument vector.
    package static func historyCall(of chat: ChatID, before: UInt64?, limit: Int) -> [[UInt8]] {
        let top = before.map { $0 == 0 ? 0 : $0 - 1 } ?? UInt64.max
        let keys = chatKeys(chat.rawValue)
        return call("sb_history", keys: [keys[0], keys[3]], [String(chat.rawValue), String(min(top, largestExactNumber)), String(limit)])
    }

    /// The slot of chat `chat`'s keys.
    package static func slot(ofChat chat: ChatID) -> Int { slot(of: chat.rawValue) }

    /// `FCALL function <keys> keys... args...` as an argument vector.
    private static func call(_ function: String, keys: [String], _ arguments: [String], body: [UInt8]? = nil) -> [[UInt8]] {
        var vector = (["FCALL", function, String(keys.count)] + keys + arguments).map { Array($0.utf8) }
        if let body { vector.append(body) }
        return vector
    }

    /// Runs one function call on its keys' slot; maps the functions' errors to ``StoreError`` kinds.
    private func run(_ function: String, keys: [String], _ arguments: [String], body: [UInt8]? = nil, isWrite: Bool) throws(StoreError) -> RedisReply {
        try Self.check(try client.execute(Self.call(function, keys: keys, arguments, body: body), slot: ClusterSlot.of(keys[0]), isWrite: isWrite))
    }

    /// A new id on `slot`: `INCR` of the slot's counter `name` (users or chats), times 16384, plus the slot.
    private func newID(on slot: Int, counter name: String) throws(StoreError) -> UInt64 {
        let key = "{\(ClusterSlot.tags[slot])}:seq:\(name)"
        let reply = try Self.check(try client.execute(["INCR", key].map { Array($0.utf8) }, slot: slot, isWrite: true))
        guard let counter = reply.integer, counter < 1 << 39 else { throw Self.unexpected(reply, in: "allocating an id") }
        return counter * UInt64(ClusterSlot.count) + UInt64(slot)
    }

    private static func check(_ reply: RedisReply) throws(StoreError) -> RedisReply {
        guard case .error(let message) = reply else { return reply }
        let kind: StoreError.Kind = switch message.prefix(5) {
        case RedisFunctions.unknownUser: .unknownUser
        case RedisFunctions.unknownChat: .unknownChat
        case RedisFunctions.notAMember: .notAMember
        case "NOREP": .notReplicated  // a master with too few replicas refuses writes (min-replicas-to-write)
        case "CLUST": .unavailable  // CLUSTERDOWN
        default: message.hasPrefix("OOM") ? .storeFull : .engine
        }
        let isOwnError = kind == .unknownUser || kind == .unknownChat || kind == .notAMember
        throw StoreError(kind, isOwnError ? String(message.dropFirst(6)) : "Redis error: \(message)")
    }

    /// Throws `.unknownUser` for any of `users` that is not registered (one pipeline per node).
    private func checkUsersExist(_ users: [UserID]) throws(StoreError) {
        let replies = try client.executeAll(users.map { user in
            let key = Self.key(user.rawValue, "users")
            return (ClusterSlot.of(key), Self.call("sb_user_exists", keys: [key], [String(user.rawValue)]))
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
        // A new id is drawn before the call, so that the function declares every key it writes; a phone already
        // registered leaves that id unused.
        let user = try newID(on: slot, counter: "u")
        let reply = try run("sb_register", keys: [phoneKey, "{\(ClusterSlot.tags[slot])}:users"], [String(user), displayName], isWrite: true)
        guard reply.elements.count == 2, let registered = reply.elements[0].integer else { throw Self.unexpected(reply, in: "register") }
        return Registration(user: UserID(registered), outcome: reply.elements[1].integer == 1 ? .created : .alreadyRegistered)
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
        _ = try run("sb_add_contacts", keys: [Self.key(owner.rawValue, "users"), Self.key(owner.rawValue, "k:\(owner.rawValue)")],
                    [String(owner.rawValue)] + matches.map { String($0.user.rawValue) }, isWrite: true)
        return matches
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        let (low, high) = (min(first, second), max(first, second))
        try checkUsersExist([low, high])
        let pairKey = "{d:\(low.rawValue):\(high.rawValue)}"
        let id = try newID(on: ClusterSlot.of(pairKey), counter: "c")
        let reply = try run("sb_direct", keys: [pairKey] + Array(Self.chatKeys(id).prefix(3)) + [Self.key(id, "chats")],
                            [String(id), "1", String(low.rawValue), String(high.rawValue)], isWrite: true)
        guard let chat = reply.integer else { throw Self.unexpected(reply, in: "direct chat") }
        // Always, also for an existing chat: a call cut short before this point is completed by the next one.
        try addToChatLists(chat, members: [low, high])
        return ChatID(chat)
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let everyone = try Validation.groupMembers(creator: creator, members: members)
        try checkUsersExist(everyone)
        // The group lives on its creator's slot.
        let id = try newID(on: Self.slot(of: creator.rawValue), counter: "c")
        let reply = try run("sb_group", keys: Array(Self.chatKeys(id).prefix(3)) + [Self.key(id, "chats")],
                            [String(id), "2"] + everyone.map { String($0.rawValue) }, isWrite: true)
        guard let chat = reply.integer else { throw Self.unexpected(reply, in: "group") }
        try addToChatLists(chat, members: everyone)
        return ChatID(chat)
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        let reply = try Self.check(try client.execute(Self.sendCall(body, to: chat, from: sender, clientMessageID: clientMessageID),
                                                      slot: Self.slot(of: chat.rawValue), isWrite: true))
        guard reply.elements.count == 2, let sequence = reply.elements[0].integer else { throw Self.unexpected(reply, in: "send") }
        return SendReceipt(chat: chat, sequence: sequence, isDuplicate: reply.elements[1].integer == 1)
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        let reply = try Self.check(try client.execute(Self.historyCall(of: chat, before: before, limit: limit), slot: Self.slot(of: chat.rawValue),
                                                      isWrite: false))
        let fields = reply.elements
        return try stride(from: 0, to: fields.count - 1, by: 2).map { (index) throws(StoreError) -> Message in
            guard let sequence = fields[index].integer, let packed = fields[index + 1].bytes else { throw Self.unexpected(reply, in: "history") }
            return try Self.message(packed, chat: chat, sequence: sequence)
        }
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let reply = try run("sb_mark", keys: Array(Self.chatKeys(chat.rawValue).prefix(4)),
                            [String(chat.rawValue), String(user.rawValue), String(min(sequence, Self.largestExactNumber))], isWrite: true)
        guard let watermark = reply.integer else { throw Self.unexpected(reply, in: "mark read") }
        return watermark
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        let chats = try run("sb_chats", keys: [Self.key(user.rawValue, "users"), Self.key(user.rawValue, "uc:\(user.rawValue)")],
                            [String(user.rawValue)], isWrite: false).elements.compactMap(\.integer)
        let replies = try client.executeAll(chats.map { chat in
            let keys = Array(Self.chatKeys(chat).prefix(3))
            return (ClusterSlot.of(keys[0]), Self.call("sb_entry", keys: keys, [String(user.rawValue)]))
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
    public func summarize(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        var users = 0
        try client.refresh()  // the masters as they are now, after any failover
        for master in client.masters {
            let connection = try client.connection(to: master)
            for key in try scan(connection, matching: "{*}:users") {
                users += Int(try Self.check(try connection.command(["HLEN", key].map { Array($0.utf8) })).integer ?? 0)
            }
            for key in try scan(connection, matching: "{*}:chats") {
                let tag = String(key.dropFirst().prefix { $0 != "}" })
                let reply = try Self.check(try connection.command(Self.call("sb_slot_summary", keys: [key], [tag])))
                for row in reply.elements {
                    let fields = row.elements.map(\.integer)
                    guard fields.count == 5, let chat = fields[0], let last = fields[1], let members = fields[2], let messages = fields[3],
                          let highest = fields[4] else { throw Self.unexpected(reply, in: "summary") }
                    visit(StoreSummary.Chat(chat: ChatID(chat), memberCount: Int(members), messageCount: messages,
                                            lastSequence: last, highestStoredSequence: highest))
                }
            }
        }
        return users
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
