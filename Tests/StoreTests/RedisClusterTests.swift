import Conformance
import Foundation
@testable import RedisClusterStore
import SurgeCore
import Testing
import TestSupport

/// The Redis Cluster backend against a real 3-master cluster it starts: a slot migrated under a live connection.
@Suite("Redis Cluster", .serialized)
struct RedisClusterTests {
    func command(_ node: RedisAddress, _ words: String...) throws -> RedisReply {
        try RedisNodeConnection(node).command(words.map { Array($0.utf8) })
    }

    @Test("a chat's slot migrated mid-conversation: the client follows ASK, then MOVED, and loses nothing")
    func slotMigration() throws {
        let store = try RedisClusterMessageStore(configuration: .init(BackendOptions(["durability": "none"])))
        defer { store.close() }
        let nodes = try #require(store.servers?.nodes)
        var chat = ChatID(0)
        do {
            let connection = try store.connect()
            let first = try connection.register(phone: PhoneNumber("+15550000001"), displayName: "a").user
            let second = try connection.register(phone: PhoneNumber("+15550000002"), displayName: "b").user
            chat = try connection.directChat(between: first, and: second)
            for id in 1...3 as ClosedRange<UInt64> { _ = try connection.send([UInt8(id)], to: chat, from: first, clientMessageID: id) }

            // Move the chat's slot from its master to another, as `redis-cli --cluster reshard` does.
            let slot = Int(chat.rawValue % 16384)
            var router = SlotRouter()
            _ = router.update(fromClusterSlots: try command(nodes[0], "CLUSTER", "SLOTS"), answeredBy: nodes[0], atNanos: 1)
            let source = try #require(router.owner(of: slot))
            let target = try #require(router.masters.first { $0 != source })
            let sourceID = try #require(try command(source, "CLUSTER", "MYID").text)
            let targetID = try #require(try command(target, "CLUSTER", "MYID").text)
            #expect(try command(target, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID) == .status("OK"))
            #expect(try command(source, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID) == .status("OK"))
            let keys = try command(source, "CLUSTER", "GETKEYSINSLOT", String(slot), "1000").elements.compactMap(\.text)
            #expect(!keys.isEmpty)
            let migrate = try RedisNodeConnection(source).command(
                ["MIGRATE", target.host, String(target.port), "", "0", "5000", "KEYS"].map { Array($0.utf8) } + keys.map { Array($0.utf8) })
            #expect(migrate == .status("OK"))

            // Mid-migration: the source answers ASK; the client retries on the target without updating its table.
            #expect(try connection.send([4], to: chat, from: first, clientMessageID: 4).sequence == 4)
            for node in [target, source] + router.masters.filter({ $0 != source && $0 != target }) {
                _ = try command(node, "CLUSTER", "SETSLOT", String(slot), "NODE", targetID)
            }
            // Migrated: the source answers MOVED; the client updates its table and goes to the target.
            #expect(try connection.send([5], to: chat, from: second, clientMessageID: 5).sequence == 5)
            #expect(try connection.history(of: chat, before: nil, limit: 10).map(\.body) == [[5], [4], [3], [2], [1]])
            #expect(try connection.summary().chats.allSatisfy(\.isGapless))
        }
        let redirects = store.statistics().engine
        #expect(redirects["redirects_ask", default: 0] >= 1, "\(redirects)")
        #expect(redirects["redirects_moved", default: 0] >= 1, "\(redirects)")
    }

    @Test("replicated without replicas, and a cluster that is not there, are refused clearly")
    func badConfigurations() throws {
        #expect(throws: StoreError.self) { try RedisClusterMessageStore.Configuration(BackendOptions(["durability": "replicated", "replicas": "0"])) }
        #expect(throws: StoreError.self) { try RedisClusterMessageStore.Configuration(BackendOptions(["nodes": "localhost"])) }
        do {
            _ = try RedisClusterMessageStore(configuration: .init(BackendOptions(["nodes": "127.0.0.1:1", "durability": "none"])))
            Issue.record("a cluster that is not there was opened")
        } catch {
            #expect(error.kind == .cannotOpen && error.message.contains("127.0.0.1:1"), "\(error)")
        }
    }

    @Test("replicated: a master that lost its replica refuses writes at once (NOREPLICAS), not after WAIT's timeout, and takes them again once it is back")
    func replicatedWithoutReplica() throws {
        let store = try RedisClusterMessageStore(configuration: .init(BackendOptions(["durability": "replicated"])))
        defer { store.close() }
        let servers = try #require(store.servers)
        let connection = try store.connect()
        let first = try connection.register(phone: PhoneNumber("+15550000001"), displayName: "a").user
        let second = try connection.register(phone: PhoneNumber("+15550000002"), displayName: "b").user
        let chat = try connection.directChat(between: first, and: second)
        #expect(try connection.send([1], to: chat, from: first, clientMessageID: 1).sequence == 1)

        // The chat's master and its replica (from the master's INFO replication: "slave0:ip=...,port=N,state=...").
        var router = SlotRouter()
        _ = router.update(fromClusterSlots: try command(servers.nodes[0], "CLUSTER", "SLOTS"), answeredBy: servers.nodes[0], atNanos: 1)
        let master = try #require(router.owner(of: Int(chat.rawValue % 16384)))
        let info = try #require(try command(master, "INFO", "replication").text)
        let port = try #require(info.split(separator: "\r\n").first { $0.hasPrefix("slave0:") }?
            .split(separator: ",").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) })
        let replica = try #require(servers.nodes.first { $0.port == port })
        try servers.killNode(replica)

        do {
            _ = try connection.send([2], to: chat, from: first, clientMessageID: 2)
            Issue.record("a write without a replica was acknowledged")
        } catch {
            #expect(error.kind == .notReplicated && error.message.contains("NOREPLICAS"), "\(error)")
        }
        _ = try servers.restartKilledNode()
        var sent: SendReceipt?
        for _ in 0..<300 where sent == nil {
            sent = try? connection.send([2], to: chat, from: first, clientMessageID: 2)
            if sent == nil { usleep(100_000) }
        }
        #expect(sent?.sequence == 2, "the master did not take writes again within 30 s of its replica's return")
    }
}
