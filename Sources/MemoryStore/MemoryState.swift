import SurgeCore

/// Everything a ``MemoryMessageStore`` holds. Users and chats are arrays indexed by id - 1.
struct MemoryState: ~Copyable {
    struct Membership {
        var readSequence: UInt64 = 0
        var unreadCount: UInt64 = 0
    }

    struct Chat {
        var members: [UserID: Membership]
        var messages: [Message] = []
        /// A store-wide counter stamped on creation and on every send: orders inboxes.
        var lastActivity: UInt64
    }

    struct UserPair: Hashable {
        var low: UserID
        var high: UserID
        init(_ a: UserID, _ b: UserID) { (low, high) = a < b ? (a, b) : (b, a) }
    }

    struct SendKey: Hashable {
        var sender: UserID
        var clientMessageID: UInt64
    }

    var userByPhone: [PhoneNumber: UserID] = [:]
    var displayNames: [String] = []
    /// Per user (index id - 1): contacts and the chats the user is in.
    var contactsOfUser: [Set<UserID>] = []
    var chatsOfUser: [[ChatID]] = []
    var chats: [Chat] = []
    var directChats: [UserPair: ChatID] = [:]
    var sends: [SendKey: SendReceipt] = [:]
    var activityClock: UInt64 = 0

    mutating func register(phone: PhoneNumber, displayName: String) -> Registration {
        if let existing = userByPhone[phone] { return Registration(user: existing, outcome: .alreadyRegistered) }
        let user = UserID(UInt64(contactsOfUser.count + 1))
        userByPhone[phone] = user
        displayNames.append(displayName)
        contactsOfUser.append([])
        chatsOfUser.append([])
        return Registration(user: user, outcome: .created)
    }

    func checkUser(_ user: UserID) throws(StoreError) {
        guard user.rawValue >= 1, user.rawValue <= UInt64(contactsOfUser.count) else { throw Validation.unknownUser(user) }
    }

    func chatIndex(_ chat: ChatID) throws(StoreError) -> Int {
        guard chat.rawValue >= 1, chat.rawValue <= UInt64(chats.count) else { throw Validation.unknownChat(chat) }
        return Int(chat.rawValue - 1)
    }

    mutating func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        try checkUser(owner)
        let registered = userByPhone
        let matches = try Validation.contactMatches(of: owner, among: phones) { (phone) throws(StoreError) in registered[phone] }
        for match in matches { contactsOfUser[Int(owner.rawValue - 1)].insert(match.user) }
        return matches
    }

    mutating func directChat(_ first: UserID, _ second: UserID) throws(StoreError) -> ChatID {
        try checkUser(first)
        try checkUser(second)
        let pair = UserPair(first, second)
        if let chat = directChats[pair] { return chat }
        let chat = try createChat(members: [pair.low, pair.high])
        directChats[pair] = chat
        return chat
    }

    mutating func createChat(members: [UserID]) throws(StoreError) -> ChatID {
        for member in members { try checkUser(member) }
        activityClock += 1
        let chat = ChatID(UInt64(chats.count + 1))
        var memberships: [UserID: Membership] = [:]
        for member in members {
            memberships[member] = Membership()
            chatsOfUser[Int(member.rawValue - 1)].append(chat)
        }
        chats.append(Chat(members: memberships, lastActivity: activityClock))
        return chat
    }

    mutating func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        let key = SendKey(sender: sender, clientMessageID: clientMessageID)
        if let original = sends[key] {
            return SendReceipt(chat: original.chat, sequence: original.sequence, isDuplicate: true)
        }
        let index = try chatIndex(chat)
        guard chats[index].members[sender] != nil else { throw Validation.notAMember(sender, of: chat) }
        activityClock += 1
        let sequence = UInt64(chats[index].messages.count + 1)
        chats[index].messages.append(
            Message(chat: chat, sequence: sequence, sender: sender, clientMessageID: clientMessageID, body: body))
        chats[index].lastActivity = activityClock
        for member in chats[index].members.keys where member != sender {
            chats[index].members[member]!.unreadCount += 1
        }
        let receipt = SendReceipt(chat: chat, sequence: sequence, isDuplicate: false)
        sends[key] = receipt
        return receipt
    }

    func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        let messages = chats[try chatIndex(chat)].messages
        let end = min(UInt64(messages.count), before.map { $0 == 0 ? 0 : $0 - 1 } ?? UInt64.max)
        let start = end > UInt64(limit) ? end - UInt64(limit) : 0
        return messages[Int(start)..<Int(end)].reversed()
    }

    mutating func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let index = try chatIndex(chat)
        guard let membership = chats[index].members[user] else { throw Validation.notAMember(user, of: chat) }
        let messages = chats[index].messages
        let target = min(sequence, UInt64(messages.count))
        guard target > membership.readSequence else { return membership.readSequence }
        let unread = messages[Int(target)...].count { $0.sender != user }
        chats[index].members[user] = Membership(readSequence: target, unreadCount: UInt64(unread))
        return target
    }

    func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try checkUser(user)
        let ordered = chatsOfUser[Int(user.rawValue - 1)].sorted {
            chats[Int($0.rawValue - 1)].lastActivity > chats[Int($1.rawValue - 1)].lastActivity
        }
        return ordered.prefix(limit).map { chat in
            let record = chats[Int(chat.rawValue - 1)]
            let membership = record.members[user]!
            return InboxEntry(
                chat: chat, lastSequence: UInt64(record.messages.count),
                readSequence: membership.readSequence, unreadCount: membership.unreadCount)
        }
    }

    func summarize(chat visit: (StoreSummary.Chat) -> Void) -> Int {
        for (index, chat) in chats.enumerated() {
            visit(StoreSummary.Chat(
                chat: ChatID(UInt64(index + 1)), memberCount: chat.members.count,
                messageCount: UInt64(chat.messages.count), lastSequence: UInt64(chat.messages.count),
                highestStoredSequence: chat.messages.last?.sequence ?? 0))
        }
        return contactsOfUser.count
    }
}
