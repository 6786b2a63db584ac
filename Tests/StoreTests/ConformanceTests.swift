import Foundation
import Synchronization
import SurgeCore
import Testing
import TestSupport

/// The semantics every backend must share, run against each one (see ``StoreFixture/all``).
@Suite("Conformance")
struct ConformanceTests {
    @Test("registering a number twice returns the existing user", arguments: StoreFixture.all)
    func duplicateRegistration(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let first = try connection.register(phone: phone(31_600_000_001), displayName: "Ada")
            let again = try connection.register(phone: phone(31_600_000_001), displayName: "Ada again")
            let other = try connection.register(phone: phone(31_600_000_002), displayName: "Bob")
            #expect(first.outcome == .created)
            #expect(again == Registration(user: first.user, outcome: .alreadyRegistered))
            #expect(other.outcome == .created && other.user != first.user)
            #expect(try connection.user(withPhone: phone(31_600_000_001)) == first.user)
            #expect(try connection.user(withPhone: phone(31_600_000_009)) == nil)
            #expect(try connection.summary().userCount == 2)
        }
    }

    @Test("concurrent registrations of one number create one user", arguments: StoreFixture.all)
    func concurrentDuplicateRegistration(fixture: StoreFixture) throws {
        let directory = try ScratchDirectory()
        let store = try fixture.open(in: directory)
        defer { store.close() }
        let results = Mutex<[Registration]>([])
        try onThreads(6) { _ in
            let connection = try store.connect()
            let registration = try connection.register(phone: phone(44_700_000_000), displayName: "Retry")
            results.withLock { $0.append(registration) }
        }
        let registrations = results.withLock { $0 }
        #expect(registrations.count { $0.outcome == .created } == 1)
        #expect(Set(registrations.map(\.user)).count == 1)
        #expect(try store.connect().summary().userCount == 1)
    }

    @Test("contact import matches registered numbers in order and skips unknown, repeated and own numbers",
          arguments: StoreFixture.all)
    func contactImport(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(3, on: connection)
            let phones = [phone(1_000_000_002), phone(1_999_999_999), phone(1_000_000_000), phone(1_000_000_002), phone(1_000_000_001)]
            let matches = try connection.importContacts(of: users[1], phones: phones)
            #expect(matches == [ContactMatch(phone: phone(1_000_000_002), user: users[2]),
                                ContactMatch(phone: phone(1_000_000_000), user: users[0])])
            #expect(try connection.importContacts(of: users[0], phones: []) == [])
            expectStoreError(.unknownUser) { try connection.importContacts(of: UserID(99), phones: phones) }
        }
    }

    @Test("a direct chat is the same chat whichever user asks", arguments: StoreFixture.all)
    func directChats(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(3, on: connection)
            let ab = try connection.directChat(between: users[0], and: users[1])
            #expect(try connection.directChat(between: users[1], and: users[0]) == ab)
            #expect(try connection.directChat(between: users[0], and: users[1]) == ab)
            let ac = try connection.directChat(between: users[0], and: users[2])
            #expect(ac != ab)
            #expect(try connection.summary().chats.map(\.memberCount) == [2, 2])
            expectStoreError(.invalidArgument) { try connection.directChat(between: users[0], and: users[0]) }
            expectStoreError(.unknownUser) { try connection.directChat(between: users[0], and: UserID(77)) }
        }
    }

    @Test("concurrent get-or-create of a direct chat makes one chat", arguments: StoreFixture.all)
    func concurrentDirectChat(fixture: StoreFixture) throws {
        let directory = try ScratchDirectory()
        let store = try fixture.open(in: directory)
        defer { store.close() }
        let users = try registerUsers(2, on: store.connect())
        let chats = Mutex<Set<ChatID>>([])
        try onThreads(6) { index in
            let connection = try store.connect()
            let chat = index.isMultiple(of: 2)
                ? try connection.directChat(between: users[0], and: users[1])
                : try connection.directChat(between: users[1], and: users[0])
            chats.withLock { _ = $0.insert(chat) }
        }
        #expect(chats.withLock { $0.count } == 1)
        #expect(try store.connect().summary().chats.count == 1)
    }

    @Test("only members may send to a group", arguments: StoreFixture.all)
    func groupMembership(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(4, on: connection)
            let group = try connection.createGroup(by: users[0], members: [users[1], users[2], users[1]])
            #expect(try connection.summary().chats.first?.memberCount == 3)
            #expect(try connection.send([1], to: group, from: users[2], clientMessageID: 1).sequence == 1)
            expectStoreError(.notAMember) { try connection.send([1], to: group, from: users[3], clientMessageID: 1) }
            expectStoreError(.notAMember) { try connection.markRead(group, by: users[3], upTo: 1) }
            expectStoreError(.unknownChat) { try connection.send([1], to: ChatID(999), from: users[0], clientMessageID: 2) }
            expectStoreError(.unknownUser) { try connection.createGroup(by: users[0], members: [UserID(1234)]) }
            #expect(try connection.summary().messageCount == 1)
        }
    }

    @Test("sequences start at 1, are gapless, and a resend returns the original", arguments: StoreFixture.all)
    func sequencesAndIdempotentResend(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            let other = try connection.directChat(between: users[0], and: try registerUsers(1, on: connection, from: 5)[0])
            var sequences: [UInt64] = []
            for id in 1...5 {
                sequences.append(try connection.send(Array("m\(id)".utf8), to: chat, from: users[id % 2], clientMessageID: UInt64(id)).sequence)
            }
            #expect(sequences == [1, 2, 3, 4, 5])
            #expect(try connection.send([9], to: other, from: users[0], clientMessageID: 100).sequence == 1)

            let resend = try connection.send(Array("changed".utf8), to: chat, from: users[1], clientMessageID: 3)
            #expect(resend == SendReceipt(chat: chat, sequence: 3, isDuplicate: true))
            // The same client id from another sender is a different message.
            #expect(try connection.send([7], to: chat, from: users[0], clientMessageID: 3).sequence == 6)
            let summary = try connection.summary()
            #expect(summary.messageCount == 7)
            #expect(summary.chats.allSatisfy { $0.isGapless })
            #expect(try connection.history(of: chat, before: 4, limit: 1).first?.body == Array("m3".utf8))
        }
    }

    @Test("many threads sending to one chat get gapless, distinct sequences", arguments: StoreFixture.all)
    func concurrentSendersStayGapless(fixture: StoreFixture) throws {
        let directory = try ScratchDirectory()
        let store = try fixture.open(in: directory)
        defer { store.close() }
        let setup = try store.connect()
        let threads = 6
        let perThread = 40
        let users = try registerUsers(threads, on: setup)
        let group = try setup.createGroup(by: users[0], members: Array(users.dropFirst()))
        let sequences = Mutex<[UInt64]>([])
        try onThreads(threads) { index in
            let connection = try store.connect()
            for id in 1...perThread {
                let receipt = try connection.send([UInt8(index)], to: group, from: users[index], clientMessageID: UInt64(id))
                #expect(!receipt.isDuplicate)
                sequences.withLock { $0.append(receipt.sequence) }
            }
        }
        let total = threads * perThread
        #expect(sequences.withLock { $0.sorted() } == (1...UInt64(total)).map { $0 })
        let summary = try setup.summary()
        #expect(summary.chats == [StoreSummary.Chat(chat: group, memberCount: threads, messageCount: UInt64(total),
                                                     lastSequence: UInt64(total), highestStoredSequence: UInt64(total))])
        // Each member's unread count is every message it did not send.
        for user in users {
            #expect(try setup.inbox(of: user, limit: 10).first?.unreadCount == UInt64(total - perThread))
        }
    }

    @Test("history pages newest first across page boundaries", arguments: StoreFixture.all)
    func historyPaging(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            #expect(try connection.history(of: chat, before: nil, limit: 10).isEmpty)
            for id in 1...10 {
                _ = try connection.send([UInt8(id)], to: chat, from: users[0], clientMessageID: UInt64(id))
            }
            let exactlyOnePage = try connection.history(of: chat, before: nil, limit: 10)
            #expect(exactlyOnePage.map(\.sequence) == Array((1...10).reversed()))
            #expect(exactlyOnePage.first == Message(chat: chat, sequence: 10, sender: users[0], clientMessageID: 10, body: [10]))
            #expect(try connection.history(of: chat, before: nil, limit: 1000).count == 10)
            let first = try connection.history(of: chat, before: nil, limit: 4)
            #expect(first.map(\.sequence) == [10, 9, 8, 7])
            let second = try connection.history(of: chat, before: first.last!.sequence, limit: 4)
            #expect(second.map(\.sequence) == [6, 5, 4, 3])
            let last = try connection.history(of: chat, before: second.last!.sequence, limit: 4)
            #expect(last.map(\.sequence) == [2, 1])
            #expect(try connection.history(of: chat, before: 1, limit: 4).isEmpty)
            #expect(try connection.history(of: chat, before: 0, limit: 4).isEmpty)
            #expect(try connection.history(of: chat, before: 500, limit: 2).map(\.sequence) == [10, 9])
            // Another chat's messages never leak into the page.
            let other = try connection.directChat(between: users[1], and: try registerUsers(1, on: connection, from: 9)[0])
            _ = try connection.send([0], to: other, from: users[1], clientMessageID: 77)
            #expect(try connection.history(of: chat, before: nil, limit: 3).map(\.sequence) == [10, 9, 8])
            #expect(try connection.history(of: other, before: nil, limit: 3).map(\.sequence) == [1])
            expectStoreError(.unknownChat) { try connection.history(of: ChatID(4242), before: nil, limit: 3) }
            expectStoreError(.invalidArgument) { try connection.history(of: chat, before: nil, limit: 0) }
        }
    }

    @Test("a read watermark never moves backwards and stops at the last message", arguments: StoreFixture.all)
    func watermarkMonotonicity(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            for id in 1...5 { _ = try connection.send([], to: chat, from: users[0], clientMessageID: UInt64(id)) }
            #expect(try connection.markRead(chat, by: users[1], upTo: 3) == 3)
            #expect(try connection.markRead(chat, by: users[1], upTo: 2) == 3)
            #expect(try connection.inbox(of: users[1], limit: 5).first?.readSequence == 3)
            #expect(try connection.markRead(chat, by: users[1], upTo: 99) == 5)
            #expect(try connection.markRead(chat, by: users[1], upTo: 4) == 5)
            let entry = try connection.inbox(of: users[1], limit: 5).first
            #expect(entry == InboxEntry(chat: chat, lastSequence: 5, readSequence: 5, unreadCount: 0))
        }
    }

    @Test("unread counts and inbox order follow interleaved sends and reads", arguments: StoreFixture.all)
    func unreadAndInboxOrder(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(4, on: connection)
            let (ann, bob, cat, dan) = (users[0], users[1], users[2], users[3])
            let annBob = try connection.directChat(between: ann, and: bob)
            let annCat = try connection.directChat(between: ann, and: cat)
            let group = try connection.createGroup(by: dan, members: [ann, bob])
            var id: UInt64 = 0
            func send(_ chat: ChatID, _ from: UserID) throws { id += 1; _ = try connection.send([1, 2], to: chat, from: from, clientMessageID: id) }

            try send(annBob, bob)     // ann: annBob unread 1
            try send(annCat, cat)     // ann: annCat unread 1
            try send(annBob, ann)     // ann's own message: not unread for ann, unread for bob
            try send(group, dan)
            try send(group, bob)
            try send(annCat, cat)
            // Newest first: annCat (last), group, annBob.
            var inbox = try connection.inbox(of: ann, limit: 10)
            #expect(inbox.map(\.chat) == [annCat, group, annBob])
            #expect(inbox.map(\.unreadCount) == [2, 2, 1])
            #expect(inbox.map(\.lastSequence) == [2, 2, 2])
            // Reading up to 1 in the group leaves bob's message at 2 unread.
            #expect(try connection.markRead(group, by: ann, upTo: 1) == 1)
            _ = try connection.markRead(annBob, by: ann, upTo: 2)
            try send(annBob, bob)
            inbox = try connection.inbox(of: ann, limit: 2)
            #expect(inbox.map(\.chat) == [annBob, annCat])
            #expect(inbox.map(\.unreadCount) == [1, 2])
            #expect(try connection.inbox(of: ann, limit: 10).last == InboxEntry(chat: group, lastSequence: 2, readSequence: 1, unreadCount: 1))
            let bobsInbox = try connection.inbox(of: bob, limit: 10)
            #expect(bobsInbox.map(\.chat) == [annBob, group])
            #expect(bobsInbox.map(\.unreadCount) == [1, 1])  // ann's message in annBob; dan's in the group
            #expect(try connection.inbox(of: dan, limit: 10).map(\.unreadCount) == [1])
            #expect(try connection.inbox(of: try registerUsers(1, on: connection, from: 50)[0], limit: 3).isEmpty)
            expectStoreError(.unknownUser) { try connection.inbox(of: UserID(999), limit: 3) }
        }
    }

    @Test("64 KiB and empty bodies come back byte for byte", arguments: StoreFixture.all)
    func bodies(fixture: StoreFixture) throws {
        try fixture.withConnection { connection in
            let users = try registerUsers(2, on: connection)
            let chat = try connection.directChat(between: users[0], and: users[1])
            let large = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            _ = try connection.send(large, to: chat, from: users[0], clientMessageID: 1)
            _ = try connection.send([], to: chat, from: users[1], clientMessageID: 1)
            let page = try connection.history(of: chat, before: nil, limit: 5)
            #expect(page.map(\.body.count) == [0, 65_536])
            #expect(page.last?.body == large)
            expectStoreError(.invalidArgument) {
                try connection.send([UInt8](repeating: 0, count: Message.maximumBodyBytes + 1), to: chat, from: users[0], clientMessageID: 2)
            }
            expectStoreError(.invalidArgument) {
                try connection.register(phone: phone(1_234), displayName: String(repeating: "x", count: 300))
            }
            #expect(try connection.summary().messageCount == 2)
        }
    }
}
