import SurgeCore
import Workload

/// A trace loaded and checked in full before anything runs (a corrupt trace is never half replayed), with the
/// values the hot path needs made ahead of time: phone numbers, contact lists and message bodies.
public final class ReplayPlan: Sendable {
    public let header: TraceHeader
    public let scenario: Scenario
    /// FNV-1a over every block of the trace: equal digests mean identical traces.
    public let traceDigest: UInt64
    /// Setup operations by stage (users, then chats, then history).
    let setupStages: [[TraceOperation]]
    /// Scheduled operations in intended-time order.
    let scheduled: [TraceOperation]
    let userCount: Int
    let chatCount: Int
    /// Phone number of every trace user.
    let phones: [PhoneNumber]
    /// Contact lists of import operations, by the operation's position in `scheduled` or setup (see `listIndex`).
    let phoneLists: [[PhoneNumber]]
    /// How many numbers of each contact list belong to registered (population) users.
    let expectedMatches: [Int]
    /// For each scheduled operation, its index into `phoneLists` (or -1).
    let listIndex: [Int32]
    /// Bodies by size: the same arrays are sent again and again, so sending allocates nothing.
    let bodies: [UInt32: [UInt8]]
    /// Scheduled operations per second of intended time (the offered load).
    public let offeredPerSecond: [UInt64]

    /// Reads and checks the whole trace. `phoneNamespace` goes before the digits of every phone number the trace
    /// uses ("7": +715550000000), so that several replays into one store (a growth curve's) register distinct users.
    public init(reading reader: TraceReader, phoneNamespace: String = "") throws(BenchmarkError) {
        func phoneText(_ number: UInt64) -> String { "+" + phoneNamespace + TracePhones.text(number).dropFirst() }
        header = reader.header
        scenario = try header.scenario(source: "in trace '\(reader.path)'")
        var stages: [[TraceOperation]] = []
        var scheduled: [TraceOperation] = []
        var listIndex: [Int32] = []
        var phoneLists: [[PhoneNumber]] = []
        var expectedMatches: [Int] = []
        let registeredRange = TracePhones.number(ofUser: 0)..<TracePhones.number(ofUser: UInt32(scenario.population.users))
        var maxUser: UInt32 = 0
        var maxChat: UInt32 = 0
        var bodySizes: Set<UInt32> = []
        let seconds = Int(scenario.duration.nanoseconds / 1_000_000_000) + 1
        var offered = [UInt64](repeating: 0, count: seconds)
        while let operation = try reader.next() {
            maxUser = max(maxUser, operation.user, operation.kind == .openDirectChat ? operation.otherUser : 0)
            maxChat = max(maxChat, operation.chat)
            if operation.kind == .send {
                guard operation.bodyBytes <= UInt32(Message.maximumBodyBytes) else {
                    throw BenchmarkError("trace '\(reader.path)' is corrupt: a message body of \(operation.bodyBytes) bytes")
                }
                bodySizes.insert(operation.bodyBytes)
            }
            if operation.kind == .createGroup { maxUser = max(maxUser, UInt32(clamping: operation.list.max() ?? 0)) }
            guard !operation.isSetup || operation.kind != .importContacts else {
                throw BenchmarkError("trace '\(reader.path)' is corrupt: a setup operation imports contacts")
            }
            if operation.isSetup {
                while stages.count <= Int(operation.phase) { stages.append([]) }
                stages[Int(operation.phase)].append(operation)
                continue
            }
            guard operation.intendedNanos <= scenario.duration.nanoseconds, Int(operation.phase) < scenario.phases.count else {
                throw BenchmarkError("trace '\(reader.path)' is corrupt: an operation is scheduled outside its scenario's phases")
            }
            if operation.kind == .importContacts {
                var list: [PhoneNumber] = []
                for number in operation.list {
                    guard let phone = try? PhoneNumber(phoneText(number)) else {
                        throw BenchmarkError("trace '\(reader.path)' is corrupt: contact number \(number) is not a phone number")
                    }
                    list.append(phone)
                }
                listIndex.append(Int32(phoneLists.count))
                phoneLists.append(list)
                expectedMatches.append(Set(operation.list.filter { registeredRange.contains($0) }).count)
            } else {
                listIndex.append(-1)
            }
            offered[min(seconds - 1, Int(operation.intendedNanos / 1_000_000_000))] += 1
            scheduled.append(operation)
        }
        guard let digest = reader.traceDigest else { preconditionFailure("the reader returns nil only after checking the end block") }
        traceDigest = digest
        setupStages = stages
        self.scheduled = scheduled
        self.listIndex = listIndex
        self.phoneLists = phoneLists
        self.expectedMatches = expectedMatches
        userCount = Int(maxUser) + 1
        chatCount = Int(maxChat) + 1
        var phones: [PhoneNumber] = []
        phones.reserveCapacity(userCount)
        for user in 0..<UInt32(userCount) {
            guard let phone = try? PhoneNumber(phoneText(TracePhones.number(ofUser: user))) else {
                throw BenchmarkError("phone namespace '\(phoneNamespace)' does not make valid phone numbers")
            }
            phones.append(phone)
        }
        self.phones = phones
        var bodies: [UInt32: [UInt8]] = [:]
        for size in bodySizes {
            bodies[size] = (0..<Int(size)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) }
        }
        self.bodies = bodies
        offeredPerSecond = offered
    }

    /// The mean of the operations scheduled per second over the whole seconds from `start` up to `end`.
    public func meanOfferedPerSecond(from start: Double, to end: Double) -> Double {
        let seconds = offeredPerSecond.indices.filter { Double($0) >= start && Double($0) < end }
        return seconds.isEmpty ? 0 : Double(seconds.reduce(0) { $0 + offeredPerSecond[$1] }) / Double(seconds.count)
    }

    /// Operations counted by kind (scheduled only).
    public var scheduledCounts: [OperationKind: Int] {
        Dictionary(grouping: scheduled, by: \.kind).mapValues(\.count)
    }

    public var scheduledCount: Int { scheduled.count }
    public var setupCount: Int { setupStages.reduce(0) { $0 + $1.count } }

    /// The phone number of a trace user as this plan registers it; nil beyond the trace's users.
    public func phone(ofUser user: UInt32) -> PhoneNumber? { Int(user) < phones.count ? phones[Int(user)] : nil }
}
