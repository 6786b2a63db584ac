import Glibc
import SurgeCore

/// A worker's view of the cluster, as a cluster-aware client keeps it: the slot table, one connection per node
/// (opened when first needed), and the redirect protocol: `MOVED` updates the slot and retries (and refreshes the
/// whole table at most once a second), `ASK` retries once on the named node after `ASKING` without updating,
/// `TRYAGAIN` backs off and retries, `CLUSTERDOWN` and too many redirects are errors. Used by one thread.
final class ClusterClient {
    private var router = SlotRouter()
    private var connections: [RedisAddress: RedisNodeConnection] = [:]
    private let seeds: [RedisAddress]
    /// After every write, wait until this many replicas have it (`WAIT`), or fail the write; 0: do not wait.
    let replicasToWait: Int
    /// Where successful writes are noted for a fault's outage window.
    private let writeWatch: AffectedSlotWatch?
    static let maxRedirects = 16
    static let waitTimeoutMilliseconds = 2000

    /// Redirects met, for results.
    private(set) var redirects = RedirectCounts()

    init(seeds: [RedisAddress], replicasToWait: Int, writeWatch: AffectedSlotWatch? = nil) throws(StoreError) {
        self.seeds = seeds
        self.replicasToWait = replicasToWait
        self.writeWatch = writeWatch
        try refresh()
    }

    /// Every master serving slots, as the table knows them.
    var masters: [RedisAddress] { router.masters }

    /// The master of every slot, as the table knows them.
    var slotOwners: [RedisAddress?] { router.slotOwners }

    /// The slots the table says `master` serves, in order.
    func slots(servedBy master: RedisAddress) -> [Int] {
        let owners = slotOwners
        return owners.indices.filter { owners[$0] == master }
    }

    /// Reloads the slot table from the first node that answers `CLUSTER SLOTS`.
    func refresh() throws(StoreError) {
        var lastError: StoreError?
        for address in router.masters + seeds {
            do throws(StoreError) {
                let reply = try connection(to: address).command(["CLUSTER", "SLOTS"].map { Array($0.utf8) })
                if router.update(fromClusterSlots: reply, answeredBy: address, atNanos: MonotonicClock.now()) { return }
                lastError = StoreError(.engine, "Redis node \(address) gave no slot table (is it in cluster mode?): \(reply)")
            } catch {
                drop(address)
                lastError = error
            }
        }
        throw lastError ?? StoreError(.cannotOpen, "no Redis node to ask for the slot table")
    }

    /// The connection to `address`, opened on first use.
    func connection(to address: RedisAddress) throws(StoreError) -> RedisNodeConnection {
        if let connection = connections[address] { return connection }
        let connection = try RedisNodeConnection(address)
        connections[address] = connection
        return connection
    }

    private func drop(_ address: RedisAddress) { connections[address] = nil }

    /// Runs `arguments` on the master of `slot`, following redirects; a write also waits for ``replicasToWait``.
    /// Returns the reply (an error reply of the command itself is returned, not thrown).
    func execute(_ arguments: [[UInt8]], slot: Int, isWrite: Bool) throws(StoreError) -> RedisReply {
        var askTarget: RedisAddress?
        var retriedUnreachable = false
        for attempt in 0..<Self.maxRedirects {
            if router.owner(of: slot) == nil, askTarget == nil { try refreshIfAllowed(force: true) }
            guard let address = askTarget ?? router.owner(of: slot) else {
                throw StoreError(.engine, "no Redis master serves slot \(slot)")
            }
            let commands = askTarget == nil ? [arguments] : [[Array("ASKING".utf8)], arguments]
            let replies: [RedisReply]
            do throws(StoreError) {
                replies = try connection(to: address).pipeline(commands)
            } catch {
                // The node may have died (a failover follows): later calls go by a fresh table. A request that could
                // not even connect was never sent: it is retried once on a fresh table (at most one refresh a second).
                // A request in flight is not retried: it may have been applied.
                drop(address)
                if error.kind == .cannotOpen, !retriedUnreachable {
                    retriedUnreachable = true
                    let now = MonotonicClock.now()
                    if !router.mayRefresh(atNanos: now) {
                        usleep(UInt32(min(SlotRouter.refreshIntervalNanos, router.lastRefreshNanos &+ SlotRouter.refreshIntervalNanos &- now) / 1000))
                    }
                    try? refresh()
                    askTarget = nil
                    continue
                }
                try? refreshIfAllowed(force: false)
                throw error
            }
            let reply = replies[askTarget == nil ? 0 : 1]
            askTarget = nil
            if case .error(let message) = reply, let redirect = SlotRouter.redirect(in: message) {
                switch redirect {
                case .moved(let movedSlot, let target):
                    redirects.moved += 1
                    router.setOwner(of: movedSlot, to: target)
                    try? refreshIfAllowed(force: false)
                case .ask(_, let target):
                    redirects.ask += 1
                    askTarget = target
                case .tryAgain:
                    redirects.tryAgain += 1
                    usleep(UInt32(min(100_000, 1_000 << min(attempt, 7))))
                case .clusterDown:
                    throw StoreError(.unavailable, "the Redis cluster is down for slot \(slot): \(message)")
                }
                continue
            }
            if isWrite, replicasToWait > 0, !reply.isError { try awaitReplicas(on: address) }
            if isWrite, !reply.isError { writeWatch?.noteWrite(slot: slot) }
            return reply
        }
        throw StoreError(.engine, "more than \(Self.maxRedirects) redirects for slot \(slot): the cluster's topology keeps changing")
    }

    /// Waits until ``replicasToWait`` replicas have this connection's writes (`WAIT`), or throws `.notReplicated`.
    /// Sent after the write rather than pipelined with it, so that a write the master refused (`NOREPLICAS`) fails at
    /// once instead of after WAIT's timeout.
    private func awaitReplicas(on address: RedisAddress) throws(StoreError) {
        let reply: RedisReply
        do throws(StoreError) {
            reply = try connection(to: address).command(["WAIT", String(replicasToWait), String(Self.waitTimeoutMilliseconds)].map { Array($0.utf8) })
        } catch {
            drop(address)
            throw error
        }
        guard case .integer(let acknowledged) = reply, acknowledged >= replicasToWait else {
            throw StoreError(.notReplicated, "the write reached \(reply.integer.map(String.init) ?? "no") of \(replicasToWait) replicas "
                + "within \(Self.waitTimeoutMilliseconds) ms (WAIT: \(reply)); it is not acknowledged")
        }
    }

    /// Runs many independent commands, one pipeline per node, then any that were redirected one by one.
    func executeAll(_ commands: [(slot: Int, arguments: [[UInt8]])], isWrite: Bool) throws(StoreError) -> [RedisReply] {
        var replies = [RedisReply?](repeating: nil, count: commands.count)
        var byNode: [RedisAddress: [Int]] = [:]
        for (index, command) in commands.enumerated() {
            if let owner = router.owner(of: command.slot), !(isWrite && replicasToWait > 0) { byNode[owner, default: []].append(index) }
        }
        for (address, indices) in byNode {
            do throws(StoreError) {
                let answers = try connection(to: address).pipeline(indices.map { commands[$0].arguments })
                for (index, answer) in zip(indices, answers) {
                    if case .error(let message) = answer, SlotRouter.redirect(in: message) != nil { continue }
                    if isWrite, !answer.isError { writeWatch?.noteWrite(slot: commands[index].slot) }
                    replies[index] = answer
                }
            } catch {
                drop(address)
                throw error
            }
        }
        for index in commands.indices where replies[index] == nil {
            replies[index] = try execute(commands[index].arguments, slot: commands[index].slot, isWrite: isWrite)
        }
        return replies.map { $0! }
    }

    private func refreshIfAllowed(force: Bool) throws(StoreError) {
        guard force || router.mayRefresh(atNanos: MonotonicClock.now()) else { return }
        try refresh()
    }
}

/// How many redirects a client met.
struct RedirectCounts: Sendable {
    var moved = 0
    var ask = 0
    var tryAgain = 0
}

extension RedisReply {
    var isError: Bool {
        if case .error = self { return true }
        return false
    }
}
