/// Which node serves each of the 16384 slots, as a cluster client keeps it: filled from `CLUSTER SLOTS`, corrected
/// by `MOVED` redirects one slot at a time, refreshed whole at most once a second.
struct SlotRouter {
    /// The serving master of each slot, as 1 + its place in `nodes`; 0 until known. Two bytes a slot, where an
    /// optional address took 32: every connection keeps a table.
    private var owners = [UInt16](repeating: 0, count: ClusterSlot.count)
    /// The nodes the table names (those of the last `CLUSTER SLOTS`, and of redirects since).
    private var nodes: [RedisAddress] = []
    private(set) var lastRefreshNanos: UInt64 = 0
    static let refreshIntervalNanos: UInt64 = 1_000_000_000

    /// What an error reply asks the client to do.
    enum Redirect: Equatable {
        /// The slot lives on another node now: update the table and retry there.
        case moved(slot: Int, to: RedisAddress)
        /// The slot is being migrated and this key has left: retry once there, after ASKING, without updating.
        case ask(slot: Int, to: RedisAddress)
        /// The keys are mid-migration: back off and retry.
        case tryAgain
        /// The cluster cannot serve the slot (no master for it).
        case clusterDown
    }

    /// The redirect an error reply carries, if any (`MOVED 3999 127.0.0.1:6381`, `ASK ...`, `TRYAGAIN ...`,
    /// `CLUSTERDOWN ...`).
    static func redirect(in error: String) -> Redirect? {
        let words = error.split(separator: " ")
        guard let first = words.first else { return nil }
        switch first {
        case "MOVED", "ASK":
            guard words.count >= 3, let slot = Int(words[1]), (0..<ClusterSlot.count).contains(slot),
                  let address = RedisAddress(words[2]) else { return nil }
            return first == "MOVED" ? .moved(slot: slot, to: address) : .ask(slot: slot, to: address)
        case "TRYAGAIN": return .tryAgain
        case "CLUSTERDOWN": return .clusterDown
        default: return nil
        }
    }

    func owner(of slot: Int) -> RedisAddress? { owners[slot] == 0 ? nil : nodes[Int(owners[slot]) - 1] }

    /// The master of every slot, nil where unknown.
    var slotOwners: [RedisAddress?] { owners.indices.map(owner(of:)) }

    /// Every master that serves some slot.
    var masters: [RedisAddress] {
        var serving = [Bool](repeating: false, count: nodes.count)
        for owner in owners where owner != 0 { serving[Int(owner) - 1] = true }
        return nodes.indices.filter { serving[$0] }.map { nodes[$0] }
    }

    mutating func setOwner(of slot: Int, to address: RedisAddress) {
        if nodes.count >= 1_024, !nodes.contains(address) { forgetUnusedNodes() }  // redirects never grow it unbounded
        owners[slot] = Self.number(of: address, in: &nodes)
    }

    /// Drops the nodes no slot names any more (at most one a slot stays: two bytes a slot always suffice).
    private mutating func forgetUnusedNodes() {
        var renumbered = [UInt16](repeating: 0, count: nodes.count + 1)
        var kept: [RedisAddress] = []
        for slot in owners.indices where owners[slot] != 0 {
            let old = Int(owners[slot])
            if renumbered[old] == 0 {
                kept.append(nodes[old - 1])
                renumbered[old] = UInt16(kept.count)
            }
            owners[slot] = renumbered[old]
        }
        nodes = kept
    }

    /// 1 + the place of `address` in `nodes`, added when new.
    private static func number(of address: RedisAddress, in nodes: inout [RedisAddress]) -> UInt16 {
        if let index = nodes.firstIndex(of: address) { return UInt16(index + 1) }
        nodes.append(address)
        return UInt16(nodes.count)
    }

    /// Replaces the table with a `CLUSTER SLOTS` reply: `[[first, last, [host, port, id], replicas...], ...]`.
    /// An empty host means the node that answered (`answeredBy`). Returns false for a reply of another shape.
    mutating func update(fromClusterSlots reply: RedisReply, answeredBy: RedisAddress, atNanos now: UInt64) -> Bool {
        var table = [UInt16](repeating: 0, count: ClusterSlot.count)
        var nodes: [RedisAddress] = []
        for range in reply.elements {
            let fields = range.elements
            guard fields.count >= 3, let first = fields[0].integer, let last = fields[1].integer, first <= last,
                  last < ClusterSlot.count, nodes.count < ClusterSlot.count else { return false }
            let master = fields[2].elements
            guard master.count >= 2, let host = master[0].text, let port = master[1].integer else { return false }
            let address = RedisAddress(host: host.isEmpty ? answeredBy.host : host, port: Int(port))
            let number = Self.number(of: address, in: &nodes)
            for slot in Int(first)...Int(last) { table[slot] = number }
        }
        guard case .array = reply else { return false }
        owners = table
        self.nodes = nodes
        lastRefreshNanos = now
        return true
    }

    /// Whether a whole refresh is allowed now (at most one a second).
    func mayRefresh(atNanos now: UInt64) -> Bool { lastRefreshNanos == 0 || now &- lastRefreshNanos >= Self.refreshIntervalNanos }
}
