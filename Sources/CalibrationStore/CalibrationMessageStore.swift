import Glibc
import MemoryStore
import SurgeCore

/// A store with a known answer, for checking the harness: the memory store's semantics, plus a configured service
/// time on every call and, optionally, a stall of `stall-ms` every `stall-every-ms` during which every call waits
/// (as a checkpoint or a GC pause would make it).
///
/// With service time S and a stall of D every T, an open-loop run must report a service-time p99 near S and, when
/// D/T is above 1%, a response-time p99 near D * (1 - 0.01 / (D/T)); a harness with coordinated omission would not.
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

        public init(_ options: BackendOptions) throws(StoreError) {
            serviceMicros = try options.integer(CalibrationMessageStore.serviceOption, in: 0...10_000_000)
            distribution = try options.choice(CalibrationMessageStore.distributionOption, as: Distribution.self)
            stallEveryMillis = try options.integer(CalibrationMessageStore.stallEveryOption, in: 0...3_600_000)
            stallMillis = try options.integer(CalibrationMessageStore.stallOption, in: 0...3_600_000)
            guard stallMillis == 0 || stallMillis < stallEveryMillis else {
                throw StoreError(.invalidOption, "option stall-ms=\(stallMillis) must be below stall-every-ms=\(stallEveryMillis)")
            }
        }
    }

    static let serviceOption = BackendOption(name: "service-us", summary: "service time of every call, in microseconds", defaultValue: "0")
    static let distributionOption = BackendOption(
        name: "distribution", summary: "fixed: every call takes service-us; exponential: service-us is the mean",
        defaultValue: Configuration.Distribution.fixed.rawValue, choices: Configuration.Distribution.allCases.map(\.rawValue))
    static let stallEveryOption = BackendOption(name: "stall-every-ms", summary: "a stall starts every this many ms (0: never)", defaultValue: "0")
    static let stallOption = BackendOption(name: "stall-ms", summary: "how long each stall blocks every call", defaultValue: "0")

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "calibration",
        summary: "a known answer for checking the harness: memory semantics plus a set service time and periodic stalls",
        isPersistent: false,
        options: [serviceOption, distributionOption, stallEveryOption, stallOption],
        open: { options throws(StoreError) in try CalibrationMessageStore(configuration: Configuration(options)) })

    public let configuration: Configuration
    let memory = MemoryMessageStore()
    let openedNanos = CalibrationClock.now()

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func connect() throws(StoreError) -> CalibrationConnection {
        try CalibrationConnection(store: self, inner: memory.connect())
    }

    public func close() {}
}

enum CalibrationClock {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    static func sleep(until deadline: UInt64) {
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
    }
}

/// A connection to a ``CalibrationMessageStore``: waits out any stall, then the service time, then answers.
public final class CalibrationConnection: StoreConnection {
    private let store: CalibrationMessageStore
    private let inner: MemoryConnection
    private var random: UInt64

    init(store: CalibrationMessageStore, inner: MemoryConnection) {
        self.store = store
        self.inner = inner
        random = UInt64(UInt(bitPattern: ObjectIdentifier(inner).hashValue)) | 1
    }

    /// Waits for the stall in progress (if any) to end, then for this call's service time.
    private func serve() {
        let configuration = store.configuration
        var now = CalibrationClock.now()
        if configuration.stallMillis > 0 {
            let every = UInt64(configuration.stallEveryMillis) * 1_000_000
            let intoCycle = (now - store.openedNanos) % every
            let stall = UInt64(configuration.stallMillis) * 1_000_000
            if intoCycle < stall {
                CalibrationClock.sleep(until: now + stall - intoCycle)
                now = CalibrationClock.now()
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
        CalibrationClock.sleep(until: now + UInt64(nanos))
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

    public func summary() throws(StoreError) -> StoreSummary {
        try inner.summary()
    }
}

@available(*, unavailable)
extension CalibrationConnection: Sendable {}
