import Synchronization
import SurgeCore

/// Every rule of the store protocol, checked the same way for every backend and every driver.
public enum ConformanceSuite {
    /// The checks, in the order they are reported.
    public static let checks: [ConformanceCheck] = [
        registration, concurrentRegistration, contactImport, directChats, concurrentDirectChat, groupMembership,
        sequencesAndResend, concurrentSenders, historyPaging, watermarks, unreadAndInbox, bodies,
    ]

    static let registration = ConformanceCheck("registering a number twice returns the existing user") { probe in
        try probe.withConnection { connection in
            let first = try connection.register(phone: phone(31_600_000_001), displayName: "Ada")
            let again = try connection.register(phone: phone(31_600_000_001), displayName: "Ada again")
            let other = try connection.register(phone: phone(31_600_000_002), displayName: "Bob")
            probe.expect(first.outcome, .created, "the first registration")
            probe.expect(again, Registration(user: first.user, outcome: .alreadyRegistered), "registering the number again")
            probe.expect(other.outcome == .created && other.user != first.user, "another number registers another user")
            probe.expect(try connection.user(withPhone: phone(31_600_000_001)), first.user, "looking the number up")
            probe.expect(try connection.user(withPhone: phone(31_600_000_009)), nil, "looking an unknown number up")
            probe.expect(try connection.summary().userCount, 2, "users in the summary")
        }
    }

    static let concurrentRegistration = ConformanceCheck("concurrent registrations of one number create one user") { probe in
        let store = try probe.freshStore()
        defer { store.close() }
        let results = Mutex<[Registration]>([])
        try probe.onThreads(6) { _ in
            let registration = try store.connect().register(phone: phone(44_700_000_000), displayName: "Retry")
            results.withLock { $0.append(registration) }
        }
        let registrations = results.withLock { $0 }
        probe.expect(registrations.count { $0.outcome == .created }, 1, "registrations that created a user")
        probe.expect(Set(registrations.map(\.user)).count, 1, "distinct users returned")
        probe.expect(try store.connect().summary().userCount, 1, "users in the summary")
    }

    static let contactImport = ConformanceCheck(
        "contact import matches registered numbers in order and skips unknown, repeated and own numbers"
    ) { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(3, on: connection)
            let phones = [phone(1_000_000_002), phone(1_999_999_999), phone(1_000_000_000), phone(1_000_000_002), phone(1_000_000_001)]
            probe.expect(try connection.importContacts(of: users[1], phones: phones),
                         [ContactMatch(phone: phone(1_000_000_002), user: users[2]), ContactMatch(phone: phone(1_000_000_000), user: users[0])],
                         "the matches")
            probe.expect(try connection.importContacts(of: users[0], phones: []), [], "importing no contacts")
            probe.expectError(.unknownUser, "importing for an unknown owner") { try connection.importContacts(of: UserID(99), phones: phones) }
        }
    }

    static let directChats = ConformanceCheck("a direct chat is the same chat whichever user asks") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(3, on: connection)
            let ab = try connection.directChat(between: users[0], and: users[1])
            probe.expect(try connection.directChat(between: users[1], and: users[0]), ab, "the chat asked for the other way round")
            probe.expect(try connection.directChat(between: users[0], and: users[1]), ab, "the chat asked for again")
            probe.expect(try connection.directChat(between: users[0], and: users[2]) != ab, "another pair gets another chat")
            probe.expect(try connection.summary().chats.map(\.memberCount), [2, 2], "members of the two chats")
            probe.expectError(.invalidArgument, "a chat with oneself") { try connection.directChat(between: users[0], and: users[0]) }
            probe.expectError(.unknownUser, "a chat with an unknown user") { try connection.directChat(between: users[0], and: UserID(77)) }
        }
    }

    static let concurrentDirectChat = ConformanceCheck("concurrent get-or-create of a direct chat makes one chat") { probe in
        let store = try probe.freshStore()
        defer { store.close() }
        let users = try registerUsers(2, on: store.connect())
        let chats = Mutex<Set<ChatID>>([])
        try probe.onThreads(6) { index in
            let connection = try store.connect()
            let chat = index.isMultiple(of: 2)
                ? try connection.directChat(between: users[0], and: users[1])
                : try connection.directChat(between: users[1], and: users[0])
            chats.withLock { _ = $0.insert(chat) }
        }
        probe.expect(chats.withLock { $0.count }, 1, "distinct chats returned")
        probe.expect(try store.connect().summary().chats.count, 1, "chats in the summary")
    }

    static let groupMembership = ConformanceCheck("only members may send to a group") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(4, on: connection)
            let group = try connection.createGroup(by: users[0], members: [users[1], users[2], users[1]])
            probe.expect(try connection.summary().chats.first?.memberCount, 3, "members of the group (repeats ignored)")
            probe.expect(try connection.send([1], to: group, from: users[2], clientMessageID: 1).sequence, 1, "a member's first message")
            probe.expectError(.notAMember, "a send by a non-member") { try connection.send([1], to: group, from: users[3], clientMessageID: 1) }
            probe.expectError(.notAMember, "a read mark by a non-member") { try connection.markRead(group, by: users[3], upTo: 1) }
            probe.expectError(.unknownChat, "a send to an unknown chat") { try connection.send([1], to: ChatID(999), from: users[0], clientMessageID: 2) }
            probe.expectError(.unknownUser, "a group with an unknown member") { try connection.createGroup(by: users[0], members: [UserID(1234)]) }
            probe.expect(try connection.summary().messageCount, 1, "messages stored")
        }
    }

    static let sequencesAndResend = ConformanceCheck("sequences start at 1, are gapless, and a resend returns the original") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            let other = try connection.directChat(between: users[0], and: try registerUsers(1, on: connection, from: 5)[0])
            var sequences: [UInt64] = []
            for id in 1...5 {
                sequences.append(try connection.send(Array("m\(id)".utf8), to: chat, from: users[id % 2], clientMessageID: UInt64(id)).sequence)
            }
            probe.expect(sequences, [1, 2, 3, 4, 5], "sequences of five sends")
            probe.expect(try connection.send([9], to: other, from: users[0], clientMessageID: 100).sequence, 1, "another chat's first sequence")
            probe.expect(try connection.send(Array("changed".utf8), to: chat, from: users[1], clientMessageID: 3),
                         SendReceipt(chat: chat, sequence: 3, isDuplicate: true), "a resend")
            probe.expect(try connection.send([7], to: chat, from: users[0], clientMessageID: 3).sequence, 6,
                         "the same client id from another sender (a new message)")
            let summary = try connection.summary()
            probe.expect(summary.messageCount, 7, "messages stored")
            probe.expect(summary.chats.allSatisfy { $0.isGapless }, "every chat gapless")
            probe.expect(try connection.history(of: chat, before: 4, limit: 1).first?.body, Array("m3".utf8), "the resent message's body")
        }
    }

    static let concurrentSenders = ConformanceCheck("many threads sending to one chat get gapless, distinct sequences") { probe in
        let store = try probe.freshStore()
        defer { store.close() }
        let setup = try store.connect()
        let threads = 6
        let perThread = 40
        let users = try registerUsers(threads, on: setup)
        let group = try setup.createGroup(by: users[0], members: Array(users.dropFirst()))
        let sequences = Mutex<[UInt64]>([])
        let duplicates = Mutex(0)
        try probe.onThreads(threads) { index in
            let connection = try store.connect()
            for id in 1...perThread {
                let receipt = try connection.send([UInt8(index)], to: group, from: users[index], clientMessageID: UInt64(id))
                if receipt.isDuplicate { duplicates.withLock { $0 += 1 } }
                sequences.withLock { $0.append(receipt.sequence) }
            }
        }
        let total = threads * perThread
        probe.expect(duplicates.withLock { $0 }, 0, "first sends answered as duplicates")
        probe.expect(sequences.withLock { $0.sorted() } == (1...UInt64(total)).map { $0 }, "the sequences are exactly 1...\(total)")
        probe.expect(try setup.summary().chats, [StoreSummary.Chat(chat: group, memberCount: threads, messageCount: UInt64(total),
                                                                   lastSequence: UInt64(total), highestStoredSequence: UInt64(total))],
                     "the summary of the group")
        for user in users {
            probe.expect(try setup.inbox(of: user, limit: 10).first?.unreadCount, UInt64(total - perThread), "\(user)'s unread count")
        }
    }

    static let historyPaging = ConformanceCheck("history pages newest first across page boundaries") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            probe.expect(try connection.history(of: chat, before: nil, limit: 10).isEmpty, "an empty chat's history is empty")
            for id in 1...10 {
                _ = try connection.send([UInt8(id)], to: chat, from: users[0], clientMessageID: UInt64(id))
            }
            let exactlyOnePage = try connection.history(of: chat, before: nil, limit: 10)
            probe.expect(exactlyOnePage.map(\.sequence), Array((1...10).reversed()), "a page of exactly ten")
            probe.expect(exactlyOnePage.first, Message(chat: chat, sequence: 10, sender: users[0], clientMessageID: 10, body: [10]), "the newest message")
            probe.expect(try connection.history(of: chat, before: nil, limit: 1000).count, 10, "a page larger than the chat")
            let first = try connection.history(of: chat, before: nil, limit: 4)
            probe.expect(first.map(\.sequence), [10, 9, 8, 7], "the first page of four")
            let second = try connection.history(of: chat, before: first.last?.sequence ?? 7, limit: 4)
            probe.expect(second.map(\.sequence), [6, 5, 4, 3], "the second page")
            probe.expect(try connection.history(of: chat, before: 3, limit: 4).map(\.sequence), [2, 1], "the last page")
            probe.expect(try connection.history(of: chat, before: 1, limit: 4).isEmpty, "before 1 is empty")
            probe.expect(try connection.history(of: chat, before: 0, limit: 4).isEmpty, "before 0 is empty")
            probe.expect(try connection.history(of: chat, before: 500, limit: 2).map(\.sequence), [10, 9], "before a sequence past the end")
            let other = try connection.directChat(between: users[1], and: try registerUsers(1, on: connection, from: 9)[0])
            _ = try connection.send([0], to: other, from: users[1], clientMessageID: 77)
            probe.expect(try connection.history(of: chat, before: nil, limit: 3).map(\.sequence), [10, 9, 8], "no other chat's messages")
            probe.expect(try connection.history(of: other, before: nil, limit: 3).map(\.sequence), [1], "the other chat's page")
            probe.expectError(.unknownChat, "the history of an unknown chat") { try connection.history(of: ChatID(4242), before: nil, limit: 3) }
            probe.expectError(.invalidArgument, "a page limit of 0") { try connection.history(of: chat, before: nil, limit: 0) }
        }
    }

    static let watermarks = ConformanceCheck("a read watermark never moves backwards and stops at the last message") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            for id in 1...5 { _ = try connection.send([], to: chat, from: users[0], clientMessageID: UInt64(id)) }
            probe.expect(try connection.markRead(chat, by: users[1], upTo: 3), 3, "marking up to 3")
            probe.expect(try connection.markRead(chat, by: users[1], upTo: 2), 3, "marking back to 2")
            probe.expect(try connection.inbox(of: users[1], limit: 5).first?.readSequence, 3, "the watermark in the inbox")
            probe.expect(try connection.markRead(chat, by: users[1], upTo: 99), 5, "marking past the end")
            probe.expect(try connection.markRead(chat, by: users[1], upTo: 4), 5, "marking back to 4")
            probe.expect(try connection.inbox(of: users[1], limit: 5).first,
                         InboxEntry(chat: chat, lastSequence: 5, readSequence: 5, unreadCount: 0), "the inbox entry")
        }
    }

    static let unreadAndInbox = ConformanceCheck("unread counts and inbox order follow interleaved sends and reads") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(4, on: connection)
            let (ann, bob, cat, dan) = (users[0], users[1], users[2], users[3])
            let annBob = try connection.directChat(between: ann, and: bob)
            let annCat = try connection.directChat(between: ann, and: cat)
            let group = try connection.createGroup(by: dan, members: [ann, bob])
            var id: UInt64 = 0
            func send(_ chat: ChatID, _ from: UserID) throws { id += 1; _ = try connection.send([1, 2], to: chat, from: from, clientMessageID: id) }

            try send(annBob, bob)
            try send(annCat, cat)
            try send(annBob, ann)
            try send(group, dan)
            try send(group, bob)
            try send(annCat, cat)
            var inbox = try connection.inbox(of: ann, limit: 10)
            probe.expect(inbox.map(\.chat), [annCat, group, annBob], "ann's inbox order")
            probe.expect(inbox.map(\.unreadCount), [2, 2, 1], "ann's unread counts")
            probe.expect(inbox.map(\.lastSequence), [2, 2, 2], "the last sequences")
            probe.expect(try connection.markRead(group, by: ann, upTo: 1), 1, "ann reading the group up to 1")
            _ = try connection.markRead(annBob, by: ann, upTo: 2)
            try send(annBob, bob)
            inbox = try connection.inbox(of: ann, limit: 2)
            probe.expect(inbox.map(\.chat), [annBob, annCat], "ann's inbox after a new message, limit 2")
            probe.expect(inbox.map(\.unreadCount), [1, 2], "ann's unread counts after reading")
            probe.expect(try connection.inbox(of: ann, limit: 10).last,
                         InboxEntry(chat: group, lastSequence: 2, readSequence: 1, unreadCount: 1), "ann's group entry")
            let bobsInbox = try connection.inbox(of: bob, limit: 10)
            probe.expect(bobsInbox.map(\.chat), [annBob, group], "bob's inbox order")
            probe.expect(bobsInbox.map(\.unreadCount), [1, 1], "bob's unread counts")
            probe.expect(try connection.inbox(of: dan, limit: 10).map(\.unreadCount), [1], "dan's unread count")
            probe.expect(try connection.inbox(of: try registerUsers(1, on: connection, from: 50)[0], limit: 3).isEmpty, "a new user's inbox is empty")
            probe.expectError(.unknownUser, "an unknown user's inbox") { try connection.inbox(of: UserID(999), limit: 3) }
        }
    }

    static let bodies = ConformanceCheck("64 KiB and empty bodies come back byte for byte") { probe in
        try probe.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            let large = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            _ = try connection.send(large, to: chat, from: users[0], clientMessageID: 1)
            _ = try connection.send([], to: chat, from: users[1], clientMessageID: 1)
            let page = try connection.history(of: chat, before: nil, limit: 5)
            probe.expect(page.map(\.body.count), [0, 65_536], "the bodies' sizes")
            probe.expect(page.last?.body == large, "the 64 KiB body byte for byte")
            probe.expectError(.invalidArgument, "a body over the limit") {
                try connection.send([UInt8](repeating: 0, count: Message.maximumBodyBytes + 1), to: chat, from: users[0], clientMessageID: 2)
            }
            probe.expectError(.invalidArgument, "a display name over the limit") {
                try connection.register(phone: phone(1_234), displayName: String(repeating: "x", count: 300))
            }
            probe.expect(try connection.summary().messageCount, 2, "messages stored")
        }
    }
}

/// Registers users with phones +1000000000 + n and returns their ids.
public func registerUsers(_ count: Int, on connection: any StoreConnection, from first: Int = 0) throws -> [UserID] {
    try (first..<first + count).map { try connection.register(phone: phone(1_000_000_000 + $0), displayName: "user \($0)").user }
}

/// The phone number +`number`.
public func phone(_ number: Int) -> PhoneNumber { try! PhoneNumber("+\(number)") }
