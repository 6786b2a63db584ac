import Foundation
import MemoryStore
import SurgeCore
import Synchronization

/// A store with a known answer, for checking the harness: the memory store's semantics, plus a configured service
/// time on every call and, optionally, periodic stalls: every `stall-every-ms`, the next call on each connection
/// takes `stall-ms` longer (as a checkpoint run by the committing connection does).
///
/// With uniform arrivals over W workers at R operations/s, service time S and a stall of D every T, the operations
/// queued behind the stalled calls are a share D/T of all; an open-loop harness must report a response-time p99 near
/// D * (1 - 0.01 * T/D) when D/T > 1%, and a service-time p99 near S as long as the W stalled calls per period are
/// under 1% of the R*T operations. A harness with coordinated omission reports both near S.
///
/// With `hang-after-ms`, every call from that moment on never answers (until the store is closed): a store that
/// stops answering, which a run must survive (its drain bound ends it).
public final class CalibrationMessageStore: MessageStore {
    /// What the store was opened with.
    public struct Configuration: Sendable, Hashable {
        public enum Distribution: String, Sendable, CaseIterable {
            /// Every call takes exactly the service time.
            case fixed
            /// Service times are exponential with the given mean.
            case exponential
        }

        public var serviceMicros: Int
        public var distribution: Distribution
        public var stallEveryMillis: Int
        public var stallMillis: Int
        public var hangAfterMillis: Int

        public init(_ options: BackendOptions) throws(StoreError) {
            serviceMicros = try options.integer(CalibrationMessageStore.serviceOption, in: 0...10_000_000)
            distribution = try options.choice(CalibrationMessageStore.distributionOption, as: Distribution.self)
            stallEveryMillis = try options.integer(CalibrationMessageStore.stallEveryOption, in: 0...3_600_000)
            stallMillis = try options.integer(CalibrationMessageStore.stallOption, in: 0...3_600_000)
            hangAfterMillis = try options.integer(CalibrationMessageStore.hangAfterOption, in: 0...3_600_000)
            guard stallMillis == 0 || stallMillis < stallEveryMillis else {
                throw StoreError(.invalidOption, "option stall-ms=\(stallMillis) must be below stall-every-ms=\(stallEveryMillis)")
            }
        }
    }

    static let serviceOption = BackendOption(name: "service-us", summary: "service time of every call, in microseconds", defaultValue: "0")
    static let distributionOption = BackendOption(
        name: "distribution", summary: "fixed: every call takes service-us; exponential: service-us is the mean",
        defaultValue: Configuration.Distribution.fixed.rawValue, choices: Configuration.Distribution.allCases.map(\.rawValue))
    static let stallEveryOption = BackendOption(
        name: "stall-every-ms", summary: "a stall period starts every this many ms (0: never)", defaultValue: "0")
    static let stallOption = BackendOption(
        name: "stall-ms", summary: "how much longer the first call on each connection in a new stall period takes", defaultValue: "0")
    static let hangAfterOption = BackendOption(
        name: "hang-after-ms", summary: "from this many ms after opening, no call answers until the store is closed (0: never)", defaultValue: "0")

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "calibration",
        summary: "a known answer for checking the harness: memory semantics plus a set service time and periodic stalls",
        location: .inProcess,
        isInstrument: true,
        options: [serviceOption, distributionOption, stallEveryOption, stallOption, hangAfterOption],
        check: { options throws(StoreError) in _ = try Configuration(options) },
        open: { options throws(StoreError) in try CalibrationMessageStore(configuration: Configuration(options)) })

    public let configuration: Configuration
    let memory = MemoryMessageStore()
    let openedNanos = MonotonicClock.now()
    let closed = Atomic<Bool>(false)

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func connect() throws(StoreError) -> CalibrationConnection {
        try CalibrationConnection(store: self, inner: memory.connect())
    }

    public var settings: StoreSettings { .inMemory }

    public func bytesOnDisk() -> UInt64? { nil }

    public func statistics() -> StoreStatistics { .none }

    /// Releases every call held by `hang-after-ms`.
    public func close() { closed.store(true, ordering: .releasing) }
}

/// A connection to a ``CalibrationMessageStore``: waits out any stall, then the service time, then answers.
public final class CalibrationConnection: StoreConnection {
    private let store: CalibrationMessageStore
    private let inner: MemoryConnection
    private var random: UInt64
    /// The last stall period this connection has stalled in.
    private var stalledPeriod: UInt64 = 0

    init(store: CalibrationMessageStore, inner: MemoryConnection) {
        self.store = store
        self.inner = inner
        random = UInt64(UInt(bitPattern: ObjectIdentifier(inner).hashValue)) | 1
    }

    /// Stalls when a new stall period has begun since this connection last stalled, then waits the service time.
    private func serve() {
        let configuration = store.configuration
        var now = MonotonicClock.now()
        if configuration.hangAfterMillis > 0, now - store.openedNanos >= UInt64(configuration.hangAfterMillis) * 1_000_000 {
            while !store.closed.load(ordering: .acquiring) { MonotonicClock.sleep(until: MonotonicClock.now() + 10_000_000) }
            return
        }
        if configuration.stallMillis > 0 {
            let period = (now - store.openedNanos) / (UInt64(configuration.stallEveryMillis) * 1_000_000)
            if period > stalledPeriod {
                stalledPeriod = period
                MonotonicClock.sleep(until: now + UInt64(configuration.stallMillis) * 1_000_000)
                now = MonotonicClock.now()
            }
        }
        guard configuration.serviceMicros > 0 else { return }
        var nanos = Double(configuration.serviceMicros) * 1000
        if configuration.distribution == .exponential {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            nanos *= -log(1 - Double(random >> 11) * 0x1.0p-53)
        }
        MonotonicClock.sleep(until: now + UInt64(nanos))
    }

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        serve()
        return try inner.register(phone: phone, displayName: displayName)
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        serve()
        return try inner.importContacts(of: owner, phones: phones)
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        serve()
        return try inner.directChat(between: first, and: second)
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        serve()
        return try inner.createGroup(by: creator, members: members)
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        serve()
        return try inner.send(body, to: chat, from: sender, clientMessageID: clientMessageID)
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        serve()
        return try inner.history(of: chat, before: before, limit: limit)
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        serve()
        return try inner.markRead(chat, by: user, upTo: sequence)
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        serve()
        return try inner.inbox(of: user, limit: limit)
    }

    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        try inner.user(withPhone: phone)
    }

    public func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        try inner.summarize(chat: chat)
    }
}

@available(*, unavailable)
extension CalibrationConnection: Sendable {}
