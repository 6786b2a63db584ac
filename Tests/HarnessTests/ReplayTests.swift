import CalibrationStore
import Foundation
@testable import Harness
import MemoryStore
import Reporting
import StoreCatalog
import SurgeCore
import Synchronization
import Testing
import TestSupport
import Workload

@Suite("Replay", .serialized)
struct ReplayTests {
    @Test("the pair index holds each (user, chat) once; the pair table keeps each pair's highest watermark and its sent count apart, under concurrent updates")
    func pairTable() throws {
        var collector = PairCollector()
        for pair in (0..<3_000).reversed() { collector.insert(user: UInt32(pair % 1_000), chat: UInt32(pair / 1_000 + 7)) }
        for pair in 0..<10_000 { collector.insert(user: UInt32(pair % 1_000), chat: 8) }  // repeats, sorted out
        let index = PairIndex(collector, chatCount: 12)
        #expect(index.count == 3_000)
        let table = PairTable(index: index)
        try onThreads(4) { thread in
            for pair in 0..<3_000 {
                let (user, chat) = (UInt32(pair % 1_000), UInt32(pair / 1_000 + 7))
                table.addSent(user: user, chat: chat, 1)
                table.raiseWatermark(user: user, chat: chat, to: UInt64(pair * 10 + thread))
            }
        }
        for pair in 0..<3_000 {
            let (user, chat) = (UInt32(pair % 1_000), UInt32(pair / 1_000 + 7))
            #expect(table.sent(user: user, chat: chat) == 4)
            #expect(table.watermark(user: user, chat: chat) == UInt64(pair * 10 + 3))
        }
        #expect(table.sent(user: 5_000, chat: 1) == 0 && table.watermark(user: 5_000, chat: 8) == 0 && table.sent(user: 0, chat: 99) == 0)
        table.raiseWatermark(user: 1, chat: 7, to: 5)  // never lowered
        #expect(table.watermark(user: 1, chat: 7) == 13)
    }

    @Test("the chat ledger counts each chat's acknowledged messages and keeps its highest sequence, in one word, under concurrent updates")
    func chatLedger() throws {
        let ledger = ChatLedger(chatCount: 500)
        try onThreads(4) { thread in
            for chat in 0..<500 {
                for message in 0..<(chat % 7) { ledger.acknowledge(chat: UInt32(chat), sequence: UInt64(message * 4 + thread + 1)) }
            }
        }
        for chat in 0..<500 {
            let (count, highest) = ledger.acknowledged(chat: UInt32(chat))
            #expect(count == UInt64(4 * (chat % 7)))
            #expect(highest == (chat % 7 == 0 ? 0 : UInt64((chat % 7 - 1) * 4 + 4)))
        }
        ledger.acknowledge(chat: 3, sequence: 1)  // never lowered
        #expect(ledger.acknowledged(chat: 3) == (13, 12))
        ledger.acknowledge(chat: 4, sequence: 1 << 40)  // beyond 32 bits: kept as the largest, the count untouched
        #expect(ledger.acknowledged(chat: 4) == (17, UInt64(UInt32.max)))
        ledger.acknowledge(chat: 900, sequence: 1)  // not a chat of the trace: ignored
        #expect(ledger.acknowledged(chat: 900) == (0, 0))
    }

    @Test("under overload no operation runs before its dependency: no errors, nothing lost, the backlog shows in response time")
    func dependenciesHoldUnderOverload() throws {
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        // One worker, 3 ms a call: about 330 operations/s against an offered peak near 600.
        let store = try CalibrationMessageStore(configuration: .init(BackendOptions(["service-us": "3000"])))
        let result = try Replayer.run(store, plan: plan, options: ReplayOptions(workers: 1))
        #expect(result.errorCount == 0, "\(result.errors)")
        #expect(result.integrity.isIntact, "\(result.integrity.problems)")
        #expect(result.integrity.messagesAcknowledged > 0 && result.integrity.unreadChecked > 0)
        #expect(result.completed == UInt64(plan.load.scheduledCount))
        #expect(result.series.reduce(0) { $0 + $1.lateStarts } > 100)
        let response = LatencySummary(result.histogram())
        let service = LatencySummary(result.histogram(service: true))
        #expect(response.p99Ms > 20 * service.p99Ms, "response \(response.p99Ms) ms, service \(service.p99Ms) ms")
        #expect(SurgeFigures(result).largestBacklog > 50)
    }

    @Test("the calibration backend's known answer: stalls show in response time, not in service time")
    func calibrationKnownAnswer() throws {
        // 1000 operations/s, evenly spaced, over 2 workers; every second each connection's next call stalls 100 ms.
        // The operations queued behind a stall are 10% of all: p99 response = 100 ms * (1 - 0.01/0.10) = 90 ms.
        // The stalled calls themselves are 2 per 1000 operations: service p99 stays at the 0.2 ms service time.
        let plan = try makePlan(try readOnlyScenario(rate: 1000, seconds: 6))
        let store = try CalibrationMessageStore(configuration: .init(BackendOptions(
            ["service-us": "200", "stall-every-ms": "1000", "stall-ms": "100"])))
        let result = try Replayer.run(store, plan: plan, options: ReplayOptions(workers: 2))
        let response = LatencySummary(result.histogram())
        let service = LatencySummary(result.histogram(service: true))
        #expect(result.errorCount == 0)
        #expect(response.p99Ms > 60 && response.p99Ms < 110, "p99 response \(response.p99Ms) ms, expected about 90")
        #expect(response.p50Ms < 5, "p50 response \(response.p50Ms) ms")
        #expect(service.p99Ms < 5, "p99 service \(service.p99Ms) ms, expected about 0.2")
        #expect(service.maxMs > 90, "the stalled calls themselves take the stall")
        #expect(result.invalidReason == nil, "\(result.invalidReason ?? "")")
    }

    @Test("a store that stops answering cannot hold a run: it ends at the drain bound, marked invalid, the rest not completed, unverified")
    func drainBoundEndsARunWhoseStoreHangs() throws {
        let plan = try makePlan(try readOnlyScenario(rate: 500, seconds: 3))
        // Every call from 1.5 s after opening (inside the schedule) waits until the store is closed.
        let store = try CalibrationMessageStore(configuration: .init(BackendOptions(["service-us": "100", "hang-after-ms": "1500"])))
        var options = ReplayOptions(workers: 2)
        options.drainBound = TimeSpan(seconds: 0.5)
        let started = MonotonicClock.now()
        let result = try Replayer.run(store, plan: plan, options: options)
        let seconds = Double(MonotonicClock.now() - started) / 1e9
        store.close()  // releases the abandoned calls
        // The schedule (3 s), the bound (0.5 s), the last call's second, and the setup: never the hour a hang could last.
        #expect(seconds < 3 + 0.5 + 1 + 2.5, "the run took \(seconds) s")
        #expect(result.notCompleted > 0 && result.notCompleted == UInt64(plan.load.scheduledCount) - result.completed)
        #expect(result.drainBound == TimeSpan(seconds: 0.5))
        #expect(result.invalidReason?.contains("had not completed 500ms after the schedule ended") == true, "\(result.invalidReason ?? "valid")")
        #expect(result.integrity.unverifiable?.contains("stopped answering") == true, "\(result.integrity.problems)")
        #expect(!result.interrupted)
        // The figures are only what completed: the abandoned calls recorded nothing.
        #expect(result.histogram().totalCount <= result.completed)
    }

    @Test("a backlog still draining at the bound is cut: the rest counted as not completed, what completed checked in full")
    func drainBoundCutsABacklog() throws {
        let plan = try makePlan(try readOnlyScenario(rate: 500, seconds: 2))
        // One worker, 4 ms a call: 250 operations/s against 500 offered, about 500 operations behind at the end.
        let store = try CalibrationMessageStore(configuration: .init(BackendOptions(["service-us": "4000"])))
        var options = ReplayOptions(workers: 1)
        options.drainBound = TimeSpan(seconds: 0)
        let result = try Replayer.run(store, plan: plan, options: options)
        #expect(result.notCompleted > 100, "\(result.notCompleted) not completed")
        #expect(result.notCompleted + result.completed == UInt64(plan.load.scheduledCount))
        #expect(result.invalidReason?.contains("not completed") == true)
        #expect(result.integrity.unverifiable == nil && result.integrity.isIntact, "\(result.integrity.problems)")
        // Without the bound's cut the same backlog completes.
        options.drainBound = TimeSpan(seconds: 30)
        let drained = try Replayer.run(try CalibrationMessageStore(configuration: .init(BackendOptions(["service-us": "4000"]))), plan: plan, options: options)
        #expect(drained.notCompleted == 0 && drained.completed == UInt64(plan.load.scheduledCount) && drained.invalidReason == nil)
    }

    @Test("closed loop measures response from the actual start: no stall backlog, one stalled call per worker")
    func closedLoop() throws {
        let plan = try makePlan(try readOnlyScenario(rate: 500, seconds: 3))
        let store = try CalibrationMessageStore(configuration: .init(BackendOptions(["service-us": "100"])))
        let result = try Replayer.run(store, plan: plan, options: ReplayOptions(workers: 2, mode: .closed))
        let response = LatencySummary(result.histogram())
        let service = LatencySummary(result.histogram(service: true))
        #expect(result.completed == UInt64(plan.load.scheduledCount))
        #expect(abs(response.p99Ms - service.p99Ms) < 0.05)
        #expect(Double(result.wallNanos) / 1e9 < plan.scenario.duration.seconds / 2, "closed loop ignores the schedule")
    }

    @Test("writes applied but answered with an engine error (a lost reply) are in doubt: kept, counted, never a failure")
    func inDoubtWritesAreNotFailures() throws {
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let result = try Replayer.run(LossyStore(loseReplyEvery: 9), plan: plan, options: ReplayOptions(workers: 2))
        #expect(result.errorCount > 0)
        #expect((result.integrity.inDoubtMessagesStored ?? 0) > 0, "\(result.integrity)")
        #expect(result.integrity.isIntact, "\(result.integrity.problems)")
        // The same store without the accounting would show unacknowledged messages: the allowance is what passes it.
        #expect(result.integrity.unacknowledgedMessages == 0 && result.integrity.lost == 0)
    }

    @Test("the integrity check catches a message the store acknowledged but never stored")
    func lostWriteIsCaught() throws {
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let result = try Replayer.run(LossyStore(dropSend: 30), plan: plan, options: ReplayOptions(workers: 2))
        #expect(!result.integrity.isIntact)
        #expect(result.integrity.lostMessages == 1, "\(result.integrity)")
        #expect(result.integrity.problems.isEmpty == false)
    }

    @Test("a resend that the store takes as new proves its acknowledged original was lost: counted, even though counts match")
    func forgottenOriginalIsCaught() throws {
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let result = try Replayer.run(LossyStore(forgetResends: true), plan: plan, options: ReplayOptions(workers: 2))
        #expect(!result.integrity.isIntact)
        #expect(result.integrity.lostMessages > 0 && result.integrity.problems.contains { $0.contains("its resend found no original") },
                "\(result.integrity)")
    }
}

/// The memory store, except that one send is acknowledged without being stored (`dropSend`), or that every
/// `loseReplyEvery`-th send and mark-read, a second after opening (the population is built by then), is applied but
/// answered with an engine error, as when a reply is lost, or that resends are stored anew (`forgetResends`), as by a
/// store that lost their originals.
final class LossyStore: MessageStore {
    let inner = MemoryMessageStore()
    let sends = Atomic<Int>(0)
    let dropSend: Int
    let loseReplyEvery: Int
    let forgetResends: Bool
    let openedNanos = MonotonicClock.now()
    let seenSends = Mutex<Set<UInt64>>([])

    init(dropSend: Int = 0, loseReplyEvery: Int = 0, forgetResends: Bool = false) {
        self.dropSend = dropSend
        self.loseReplyEvery = loseReplyEvery
        self.forgetResends = forgetResends
    }

    func loseReply(_ write: Int) throws(StoreError) {
        guard loseReplyEvery > 0, MonotonicClock.now() - openedNanos > 1_000_000_000, write % loseReplyEvery == 0 else { return }
        throw StoreError(.engine, "the reply was lost after the write was applied")
    }

    func connect() throws(StoreError) -> LossyConnection { LossyConnection(store: self, inner: try inner.connect()) }
    var settings: StoreSettings { .inMemory }
    func bytesOnDisk() -> UInt64? { nil }
    func statistics() -> StoreStatistics { .none }
    func close() {}
}

final class LossyConnection: StoreConnection {
    let store: LossyStore
    let inner: MemoryConnection
    init(store: LossyStore, inner: MemoryConnection) { self.store = store; self.inner = inner }

    func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        let write = store.sends.add(1, ordering: .relaxed).newValue
        if write == store.dropSend { return SendReceipt(chat: chat, sequence: 1_000_000, isDuplicate: false) }
        if store.forgetResends, !store.seenSends.withLock({ $0.insert(sender.rawValue << 32 ^ clientMessageID).inserted }) {
            return try inner.send(body, to: chat, from: sender, clientMessageID: clientMessageID | 1 << 62)  // stored anew
        }
        let receipt = try inner.send(body, to: chat, from: sender, clientMessageID: clientMessageID)
        try store.loseReply(write)
        return receipt
    }

    func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration { try inner.register(phone: phone, displayName: displayName) }
    func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] { try inner.importContacts(of: owner, phones: phones) }
    func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID { try inner.directChat(between: first, and: second) }
    func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID { try inner.createGroup(by: creator, members: members) }
    func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] { try inner.history(of: chat, before: before, limit: limit) }
    func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        let watermark = try inner.markRead(chat, by: user, upTo: sequence)
        try store.loseReply(store.sends.add(1, ordering: .relaxed).newValue)
        return watermark
    }
    func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] { try inner.inbox(of: user, limit: limit) }
    func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? { try inner.user(withPhone: phone) }
    func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int { try inner.summarize(chat: chat) }
}
