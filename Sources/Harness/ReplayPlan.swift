import Foundation
import SurgeCore
import Synchronization
import Workload

/// A trace checked in full before anything runs (a corrupt trace is never half replayed) and summarised: what the
/// replay needs to size its tables and to report the offered load. The operations stay in the file: each worker
/// streams its own share as the schedule reaches it (``OperationStream``), so memory does not grow with the trace.
public final class ReplayPlan: Sendable {
    public let header: TraceHeader
    public let scenario: Scenario
    /// The trace file the workers stream from.
    public let path: String
    /// The communities replayed: the trace's own shard, or the one `--shard` picked out of a whole trace.
    public let shard: Shard
    /// FNV-1a over every block of the trace: equal digests mean identical traces.
    public let traceDigest: UInt64
    /// What the replayed operations offer, by kind and second.
    public let load: OfferedLoad
    /// One more than the highest trace user and chat the replayed operations name.
    let userCount: Int
    let chatCount: Int
    /// Phase * kinds + kind slots the replayed operations use.
    let presentSlots: Set<Int>
    /// The distinct (user, chat) pairs of the send and mark-read operations (the integrity check's table's keys).
    let pairs: PairIndex
    /// Bodies by size: the same arrays are sent again and again, so sending allocates nothing.
    let bodies: [UInt32: [UInt8]]
    /// Goes before the digits of every phone number (see `init`).
    let phoneNamespace: String
    /// The phone numbers of the population's users: contacts in this range are registered before the schedule.
    let registeredNumbers: Range<UInt64>
    /// A temporary trace this plan owns and removes when it goes.
    private let temporaryTrace: Bool

    /// Reads and checks the whole trace at `path`, keeping the operations of `shard` (nil: the trace's own).
    /// `phoneNamespace` goes before the digits of every phone number the trace uses ("7": +715550000000), so that
    /// several replays into one store (a growth curve's) register distinct users. `temporary` hands the file to the
    /// plan, which removes it when it goes.
    public init(readingTrace path: String, shard requested: Shard? = nil, phoneNamespace: String = "", temporary: Bool = false,
                stop: StopSignal = StopSignal())
        throws(BenchmarkError)
    {
        temporaryTrace = temporary
        self.path = path
        let reader = try TraceReader(path: path)
        header = reader.header
        scenario = try header.scenario(source: "in trace '\(path)'")
        if let requested, !header.shard.isWhole, requested != header.shard {
            throw BenchmarkError("trace '\(path)' holds only shard \(header.shard) of its scenario; replay it without --shard (or with --shard \(header.shard))")
        }
        shard = header.shard.isWhole ? (requested ?? .whole) : header.shard
        self.phoneNamespace = phoneNamespace
        registeredNumbers = TracePhones.number(ofUser: 0)..<TracePhones.number(ofUser: UInt32(scenario.population.users))
        var summary = TraceSummary(scenario: scenario)
        var read = 0
        while let operation = try reader.next() {
            read += 1
            if read % 65_536 == 0, stop.isRequested {
                throw BenchmarkError.interrupted("trace '\(path)' was being read; nothing was run")
            }
            guard shard.contains(community: operation.community) else { continue }
            try summary.add(operation, phone: { number throws(BenchmarkError) in _ = try Self.phone(number, namespace: phoneNamespace) })
        }
        guard let digest = reader.traceDigest else { preconditionFailure("the reader returns nil only after checking the end block") }
        traceDigest = digest
        load = OfferedLoad(scenario: scenario, setupCount: summary.setupCount, scheduledCounts: summary.scheduledCounts,
                           offeredPerSecond: summary.offered)
        userCount = Int(summary.maxUser) + 1
        chatCount = Int(summary.maxChat) + 1
        presentSlots = summary.presentSlots
        var collector = PairCollector()
        swap(&collector, &summary.pairs)  // the index sorts the collector's buffer: no copy of it stays behind
        pairs = PairIndex(collector, chatCount: chatCount)
        for user in [0, summary.maxUser] { _ = try Self.phone(TracePhones.number(ofUser: user), namespace: phoneNamespace) }
        var bodies: [UInt32: [UInt8]] = [:]
        for size in summary.bodySizes {
            bodies[size] = (0..<Int(size)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) }
        }
        self.bodies = bodies
    }

    deinit {
        if temporaryTrace { try? FileManager.default.removeItem(atPath: path) }
    }

    private static func phone(_ number: UInt64, namespace: String) throws(BenchmarkError) -> PhoneNumber {
        do throws(StoreError) {
            return try phoneNumber(number, namespace: namespace)
        } catch {
            throw BenchmarkError(namespace.isEmpty ? "the trace's number \(number) is not a phone number"
                : "phone namespace '\(namespace)' does not make valid phone numbers (\(number))")
        }
    }

    private static func phoneNumber(_ number: UInt64, namespace: String) throws(StoreError) -> PhoneNumber {
        try PhoneNumber("+" + namespace + TracePhones.text(number).dropFirst())
    }

    /// The phone number of trace number `number` as this plan registers and imports it (checked when the plan was made).
    func phone(number: UInt64) throws(StoreError) -> PhoneNumber {
        try Self.phoneNumber(number, namespace: phoneNamespace)
    }

    /// The phone number of a trace user as this plan registers it; nil beyond the trace's users.
    public func phone(ofUser user: UInt32) -> PhoneNumber? {
        Int(user) < userCount ? try? phone(number: TracePhones.number(ofUser: user)) : nil
    }
}

/// What the first pass over a trace learns and checks, operation by operation.
private struct TraceSummary {
    let scenario: Scenario
    var setupCount = 0
    var scheduledCounts: [OperationKind: Int] = [:]
    var offered: [UInt64]
    var maxUser: UInt32 = 0
    var maxChat: UInt32 = 0
    var presentSlots: Set<Int> = []
    var bodySizes: Set<UInt32> = []
    var pairs = PairCollector()

    init(scenario: Scenario) {
        self.scenario = scenario
        offered = [UInt64](repeating: 0, count: Int(scenario.duration.nanoseconds / 1_000_000_000) + 1)
    }

    /// Adds an operation the reader has checked against the trace's limits.
    mutating func add(_ operation: TraceOperation, phone: (UInt64) throws(BenchmarkError) -> Void) throws(BenchmarkError) {
        maxUser = max(maxUser, operation.user, operation.kind == .openDirectChat ? operation.otherUser : 0)
        maxChat = max(maxChat, operation.chat)
        if operation.kind == .send { bodySizes.insert(operation.bodyBytes) }
        if operation.kind == .send || operation.kind == .markRead { pairs.insert(user: operation.user, chat: operation.chat) }
        if operation.kind == .createGroup { maxUser = max(maxUser, UInt32(clamping: operation.list.max() ?? 0)) }
        if operation.isSetup {
            setupCount += 1
            return
        }
        if operation.kind == .importContacts {
            for number in operation.list { try phone(number) }
        }
        offered[min(offered.count - 1, Int(operation.intendedNanos / 1_000_000_000))] += 1
        scheduledCounts[operation.kind, default: 0] += 1
        presentSlots.insert(Int(operation.phase) * OperationKind.allCases.count + Int(operation.kind.rawValue))
    }
}
