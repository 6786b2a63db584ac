@testable import RedisClusterStore
import Testing

/// The Redis Cluster client's own routing: the slot function against the specification's vectors, redirect
/// parsing, and the slot table.
@Suite("Redis Cluster routing")
struct SlotRouterTests {
    @Test("CRC16 and key slots match the cluster specification and Redis's CLUSTER KEYSLOT")
    func slots() {
        #expect(ClusterSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(ClusterSlot.of("123456789") == 12739)
        #expect(ClusterSlot.of("foo") == 12182)
        #expect(ClusterSlot.of("bar") == 5061)
        #expect(ClusterSlot.of("somekey") == 11058)
        #expect(ClusterSlot.of("foo{hash_tag}") == 2515)
    }

    @Test("hash tags: the first non-empty {...} decides; an empty one means the whole key")
    func hashTags() {
        #expect(ClusterSlot.of("{user1000}.following") == ClusterSlot.of("{user1000}.followers"))
        #expect(ClusterSlot.of("{user1000}.following") == ClusterSlot.of("user1000"))
        #expect(ClusterSlot.of("foo{}{bar}") == Int(ClusterSlot.crc16(Array("foo{}{bar}".utf8)) % 16384))
        #expect(ClusterSlot.of("foo{{bar}}zap") == ClusterSlot.of("{bar"))
        #expect(ClusterSlot.of("foo{bar}{zap}") == ClusterSlot.of("bar"))
        #expect(ClusterSlot.of("no-close{tag") == Int(ClusterSlot.crc16(Array("no-close{tag".utf8)) % 16384))
    }

    @Test("every slot has a tag that maps to it")
    func slotTags() {
        #expect(ClusterSlot.tags.count == 16384)
        for slot in [0, 1, 866, 12739, 16383] { #expect(ClusterSlot.of("{\(ClusterSlot.tags[slot])}:anything") == slot) }
        #expect(ClusterSlot.tags.indices.allSatisfy { ClusterSlot.of(ClusterSlot.tags[$0]) == $0 })
    }

    @Test("redirect replies are read as the specification writes them, anything else is not a redirect")
    func redirects() {
        let node = RedisAddress(host: "127.0.0.1", port: 6381)
        #expect(SlotRouter.redirect(in: "MOVED 3999 127.0.0.1:6381") == .moved(slot: 3999, to: node))
        #expect(SlotRouter.redirect(in: "ASK 3999 127.0.0.1:6381") == .ask(slot: 3999, to: node))
        #expect(SlotRouter.redirect(in: "MOVED 1 ::1:6379") == .moved(slot: 1, to: RedisAddress(host: "::1", port: 6379)))
        #expect(SlotRouter.redirect(in: "TRYAGAIN Multiple keys request during rehashing of slot") == .tryAgain)
        #expect(SlotRouter.redirect(in: "CLUSTERDOWN The cluster is down") == .clusterDown)
        #expect(SlotRouter.redirect(in: "ERR unknown command") == nil)
        #expect(SlotRouter.redirect(in: "MOVED 16384 127.0.0.1:6381") == nil)
        #expect(SlotRouter.redirect(in: "MOVED 12 nonsense") == nil)
        #expect(SlotRouter.redirect(in: "") == nil)
    }

    @Test("the slot table follows CLUSTER SLOTS, then MOVED one slot at a time, refreshing at most once a second")
    func table() {
        func node(_ host: String, _ port: Int64) -> RedisReply { .array([.string(Array(host.utf8)), .integer(port), .string(Array("id".utf8))]) }
        let reply = RedisReply.array([
            .array([.integer(0), .integer(5460), node("127.0.0.1", 7000), node("127.0.0.1", 7003)]),
            .array([.integer(5461), .integer(16383), node("", 7001)]),
        ])
        var router = SlotRouter()
        #expect(router.mayRefresh(atNanos: 5))
        let accepted = router.update(fromClusterSlots: reply, answeredBy: RedisAddress(host: "10.0.0.9", port: 7001), atNanos: 1_000)
        #expect(accepted)
        #expect(router.owner(of: 0) == RedisAddress(host: "127.0.0.1", port: 7000))
        #expect(router.owner(of: 5461) == RedisAddress(host: "10.0.0.9", port: 7001), "an empty host is the node that answered")
        #expect(router.masters.count == 2)
        router.setOwner(of: 42, to: RedisAddress(host: "127.0.0.1", port: 7002))
        #expect(router.owner(of: 42)?.port == 7002 && router.owner(of: 43)?.port == 7000)
        #expect(!router.mayRefresh(atNanos: 1_000 + 999_999_999))
        #expect(router.mayRefresh(atNanos: 1_000 + 1_000_000_000))
        let malformed = router.update(fromClusterSlots: .array([.array([.integer(9), .integer(3)])]), answeredBy: RedisAddress(host: "h", port: 1),
                                      atNanos: 2)
        #expect(!malformed, "a malformed reply leaves the table")
        #expect(router.owner(of: 42)?.port == 7002)
        // Redirects to ever new nodes (a crafted server) keep the table right and bounded: nodes no slot names go.
        for move in 0..<3_000 { router.setOwner(of: move % 3, to: RedisAddress(host: "127.0.0.1", port: 10_000 + move)) }
        #expect(router.owner(of: 0)?.port == 10_000 + 2_997 && router.owner(of: 2)?.port == 10_000 + 2_999)
        #expect(router.owner(of: 42)?.port == 7002 && router.owner(of: 16383)?.port == 7001 && router.masters.count == 6)
    }
}
