import Conformance
import Foundation
import SurgeCore
import Testing
import TestSupport

/// Persistent backends keep everything across close and reopen, under every commit policy and durability mode.
@Suite("Persistence")
struct PersistenceTests {
    @Test("close and reopen keeps users, chats, messages and read state", arguments: StoreFixture.persistentModes)
    func reopenKeepsEverything(fixture: StoreFixture) throws {
        let directory = try ScratchDirectory()
        let (before, expectedInbox, chat, users) = try writeSomething(fixture, in: directory)

        let reopened = try fixture.open(in: directory)
        defer { reopened.close() }
        let connection = try reopened.connect()
        #expect(try connection.summary() == before)
        #expect(try connection.inbox(of: users[1], limit: 10) == expectedInbox)
        #expect(try connection.history(of: chat, before: nil, limit: 2).map(\.body) == [[3], [2]])
        #expect(try connection.register(phone: phone(1_000_000_000), displayName: "again").outcome == .alreadyRegistered)
        // Identifiers, sequences and the inbox order carry on where they stopped.
        #expect(try connection.send([4], to: chat, from: users[0], clientMessageID: 4).sequence == 4)
        #expect(try connection.send([1], to: chat, from: users[0], clientMessageID: 1).isDuplicate)
        // New ids never reuse one handed out before the reopen (the protocol promises unique ids, not their values).
        let newUser = try connection.register(phone: phone(2_000_000_000), displayName: "new")
        #expect(newUser.outcome == .created && !users.contains(newUser.user))
        let newChat = try connection.directChat(between: users[2], and: newUser.user)
        #expect(!before.chats.map(\.chat).contains(newChat))
        _ = try connection.send([5], to: newChat, from: newUser.user, clientMessageID: 1)
        #expect(try connection.inbox(of: users[2], limit: 1).map(\.chat) == [newChat])
    }

    /// Writes users, chats, messages and read state, closes the store and returns what a reopen must show.
    private func writeSomething(_ fixture: StoreFixture, in directory: ScratchDirectory) throws
        -> (StoreSummary, [InboxEntry], ChatID, [UserID])
    {
        let store = try fixture.open(in: directory)
        defer { store.close() }
        let connection = try store.connect()
        let users = try registerUsers(3, on: connection)
        _ = try connection.importContacts(of: users[0], phones: [phone(1_000_000_001)])
        let chat = try connection.directChat(between: users[0], and: users[1])
        let group = try connection.createGroup(by: users[2], members: [users[1]])
        for id in 1...3 { _ = try connection.send([UInt8(id)], to: chat, from: users[0], clientMessageID: UInt64(id)) }
        _ = try connection.send([9], to: group, from: users[2], clientMessageID: 1)
        _ = try connection.markRead(chat, by: users[1], upTo: 1)
        return (try connection.summary(), try connection.inbox(of: users[1], limit: 10), chat, users)
    }
}
