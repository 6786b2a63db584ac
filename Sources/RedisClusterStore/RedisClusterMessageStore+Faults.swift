import Foundation
import SurgeCore

/// Topology changes while the load runs, as an operator would make them: slots moved between masters the way
/// `redis-cli --cluster reshard` moves them (SETSLOT IMPORTING/MIGRATING, MIGRATE in batches, SETSLOT NODE), a
/// master killed, a killed node restarted.
extension RedisClusterMessageStore: FaultInjecting {
    public func inject(_ fault: StoreFault) throws(StoreError) -> FaultEffect {
        switch fault.kind {
        case .reshard: return try reshard(slots: fault.slots ?? 1)
        case .killMaster:
            guard let servers else { throw StoreError(.invalidOption, "kill-master needs a cluster SurgeBench started, not nodes=") }
            let client = try ClusterClient(seeds: seeds, replicasToWait: 0)
            // The master with the most slots: the worst one to lose.
            guard let victim = Self.slotCounts(client).max(by: { $0.value < $1.value })?.key else {
                throw StoreError(.engine, "kill-master: the cluster has no master")
            }
            let writes = affectedSlots.begin(slots: client.slots(servedBy: victim))
            try servers.killNode(victim)
            return FaultEffect(summary: "killed master \(victim)" + (configuration.replicas > 0 ? " (its replica takes over)" : " (no replica: its slots are down)"),
                               writes: writes)
        case .restartNode:
            guard let servers else { throw StoreError(.invalidOption, "restart-node needs a cluster SurgeBench started, not nodes=") }
            return FaultEffect(summary: "restarted \(try servers.restartKilledNode())")
        }
    }

    /// Waits up to 30 s until every slot has a master that answers (a killed master's replica has taken over).
    public func awaitSettled() {
        for _ in 0..<60 {
            if let client = try? ClusterClient(seeds: seeds, replicasToWait: 0), client.slotOwners.allSatisfy({ $0 != nil }),
               client.masters.allSatisfy({ (try? client.connection(to: $0).command([Array("PING".utf8)])) == .status("PONG") }) {
                return
            }
            usleep(500_000)
        }
    }

    /// How many slots each master serves.
    private static func slotCounts(_ client: ClusterClient) -> [RedisAddress: Int] {
        client.slotOwners.compactMap { $0 }.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// Moves `slots` slots from the master with the most to the one with the fewest, key batch by key batch.
    private func reshard(slots count: Int) throws(StoreError) -> FaultEffect {
        let client = try ClusterClient(seeds: seeds, replicasToWait: 0)
        let counts = Self.slotCounts(client)
        guard let source = counts.max(by: { $0.value < $1.value })?.key,
              let target = counts.filter({ $0.key != source }).min(by: { $0.value < $1.value })?.key else {
            throw StoreError(.engine, "reshard needs at least two masters")
        }
        func command(_ node: RedisAddress, _ words: [String]) throws(StoreError) -> RedisReply {
            let reply = try client.connection(to: node).command(words.map { Array($0.utf8) })
            if case .error(let message) = reply { throw StoreError(.engine, "reshard: \(words.prefix(3).joined(separator: " ")) on \(node): \(message)") }
            return reply
        }
        guard let sourceID = try command(source, ["CLUSTER", "MYID"]).text, let targetID = try command(target, ["CLUSTER", "MYID"]).text else {
            throw StoreError(.engine, "reshard: a master did not tell its id")
        }
        let moving = client.slots(servedBy: source).suffix(count)
        let writes = affectedSlots.begin(slots: moving)
        var keysMoved = 0
        for slot in moving {
            _ = try command(target, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID])
            _ = try command(source, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID])
            while true {
                let keys = try command(source, ["CLUSTER", "GETKEYSINSLOT", String(slot), "100"]).elements.compactMap(\.text)
                if keys.isEmpty { break }
                _ = try command(source, ["MIGRATE", target.host, String(target.port), "", "0", "10000", "KEYS"] + keys)
                keysMoved += keys.count
            }
            // The target first, so that it serves the slot before the source starts sending clients there.
            for node in [target, source] + client.masters.filter({ $0 != source && $0 != target }) {
                _ = try command(node, ["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
            }
        }
        return FaultEffect(summary: "moved \(moving.count) slots (\(keysMoved) keys) from \(source) to \(target)", writes: writes)
    }
}
