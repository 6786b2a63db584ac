import Harness
import SurgeCore
import Workload

/// What checking a store against an acknowledgement log found.
public struct CrashCheck: Sendable, Hashable, Codable {
    /// Acknowledged writes checked: registrations, chats, messages, read watermarks. (Contact edges cannot be read
    /// back through the store protocol and are not counted.)
    public var acknowledgedChecked = 0
    /// Acknowledged writes missing or changed.
    public var lost = 0
    /// Lost writes by operation kind.
    public var lostByKind: [String: Int] = [:]
    /// Contents that contradict themselves or the engine's own check: a sequence gap, a watermark beyond its chat,
    /// an unread count that disagrees with the messages, a damaged page, half a message.
    public var inconsistencies = 0
    /// Registrations and sends under way when the process died, found whole in the store.
    public var inFlightKept = 0
    /// Registrations and sends under way when the process died, absent.
    public var inFlightDropped = 0
    /// The first problems, in words.
    public var problems: [String] = []

    public init() {}

    /// Nothing acknowledged is missing and nothing contradicts itself.
    public var isIntact: Bool { lost == 0 && inconsistencies == 0 }

    mutating func lose(_ kind: OperationKind, _ problem: @autoclosure () -> String) {
        lost += 1
        lostByKind[kind.description, default: 0] += 1
        note(problem())
    }

    mutating func contradict(_ problem: @autoclosure () -> String) {
        inconsistencies += 1
        note(problem())
    }

    mutating func note(_ problem: @autoclosure () -> String) {
        if problems.count < 10 { problems.append(problem()) }
    }

    /// Adds another check's counts (several rounds' logs, say).
    public mutating func add(_ other: CrashCheck) {
        acknowledgedChecked += other.acknowledgedChecked
        lost += other.lost
        lostByKind.merge(other.lostByKind, uniquingKeysWith: +)
        inconsistencies += other.inconsistencies
        inFlightKept += other.inFlightKept
        inFlightDropped += other.inFlightDropped
        for problem in other.problems { note(problem) }
    }
}

/// Checks a store reopened after a crash against the acknowledgement log of the replay that crashed: every
/// acknowledged write must be there as acknowledged, every chat gapless, every watermark within its chat and every
/// unread count right; writes in flight at the crash are counted as kept or dropped.
public enum CrashVerifier {
    typealias Record = AcknowledgementLog.Record

    /// Verifies `records` (one replay's log) with `plan` (that replay's plan, for phone numbers) through `connection`,
    /// given the store's `summary` (read once for several logs); see ``verifyWhole(_:)`` for what concerns the whole store.
    public static func verify<Connection: StoreConnection>(
        _ records: [AcknowledgementLog.Record], plan: ReplayPlan, connection: Connection, summary: StoreSummary
    ) throws(StoreError) -> CrashCheck {
        var check = CrashCheck()
        let acknowledged = records.filter { $0.event == .acknowledged }
        let intents = records.filter { $0.event == .intent }
        try verifyRegistrations(acknowledged, intents: intents, plan: plan, connection: connection, into: &check)

        var chats: [UInt64: StoreSummary.Chat] = [:]
        for chat in summary.chats { chats[chat.chat.rawValue] = chat }
        for record in acknowledged where record.kind == .openDirectChat || record.kind == .createGroup {
            check.acknowledgedChecked += 1
            let members = record.kind == .openDirectChat ? 2 : Int(record.other)
            guard let chat = chats[record.chat] else {
                check.lose(record.kind, "acknowledged chat \(record.chat) is missing")
                continue
            }
            if chat.memberCount != members {
                check.lose(record.kind, "acknowledged chat \(record.chat) has \(chat.memberCount) members, not \(members)")
            }
        }

        var histories = ChatHistories(connection: connection)
        try verifyMessages(acknowledged, intents: intents, histories: &histories, connection: connection, into: &check)
        try verifyWatermarks(acknowledged, histories: &histories, connection: connection, into: &check)
        return check
    }

    /// What concerns the whole store, whichever log is checked: every chat gapless from 1 to its last sequence.
    public static func verifyWhole(_ summary: StoreSummary) -> CrashCheck {
        var check = CrashCheck()
        for chat in summary.chats where !chat.isGapless {
            check.contradict("\(chat.chat): \(chat.messageCount) messages stored up to sequence \(chat.highestStoredSequence), "
                + "its header says \(chat.lastSequence): the sequence has a gap")
        }
        return check
    }

    private static func verifyRegistrations<Connection: StoreConnection>(
        _ acknowledged: [Record], intents: [Record], plan: ReplayPlan, connection: Connection, into check: inout CrashCheck
    ) throws(StoreError) {
        var registered = Set<UInt32>()
        for record in acknowledged where record.kind == .register {
            registered.insert(record.traceUser)
            check.acknowledgedChecked += 1
            guard let phone = plan.phone(ofUser: record.traceUser) else {
                throw StoreError(.invalidArgument, "the acknowledgement log names trace user \(record.traceUser), beyond the trace's users")
            }
            let found = try connection.user(withPhone: phone)
            if found?.rawValue != record.user {
                check.lose(.register, "acknowledged registration of \(phone) as user \(record.user) finds \(found.map(String.init(describing:)) ?? "nobody")")
            }
        }
        for record in intents where record.kind == .register && !registered.contains(record.traceUser) {
            guard let phone = plan.phone(ofUser: record.traceUser) else { continue }
            if try connection.user(withPhone: phone) != nil { check.inFlightKept += 1 } else { check.inFlightDropped += 1 }
        }
    }

    private static func verifyMessages<Connection: StoreConnection>(
        _ acknowledged: [Record], intents: [Record], histories: inout ChatHistories<Connection>, connection: Connection,
        into check: inout CrashCheck
    ) throws(StoreError) {
        let sends = acknowledged.filter { $0.kind == .send }
        let acknowledgedKeys = Set(sends.map { SendKey(sender: $0.user, clientMessageID: $0.clientMessageID) })
        var newestPerChat: [UInt64: Record] = [:]
        for send in sends {
            check.acknowledgedChecked += 1
            guard let message = try histories.messages(of: send.chat)[send.sequence] else {
                check.lose(.send, "acknowledged message \(send.sequence) of chat \(send.chat) is missing")
                continue
            }
            guard matches(message, send) else {
                check.lose(.send, "message \(send.sequence) of chat \(send.chat) is not the one acknowledged (sender \(message.sender), "
                    + "client id \(message.clientMessageID), \(message.body.count) bytes)")
                continue
            }
            if send.sequence > newestPerChat[send.chat]?.sequence ?? 0 { newestPerChat[send.chat] = send }
        }
        // The idempotency key must have survived with the message: a resend of the newest acknowledged message of
        // every chat must come back as the original.
        for (chat, send) in newestPerChat {
            guard let message = try histories.messages(of: chat)[send.sequence] else { continue }
            let receipt = try connection.send(message.body, to: ChatID(chat), from: UserID(send.user), clientMessageID: send.clientMessageID)
            if !receipt.isDuplicate || receipt.sequence != send.sequence {
                check.lose(.send, "a resend of acknowledged message \(send.sequence) of chat \(chat) was stored anew as \(receipt.sequence): "
                    + "its idempotency key was lost")
            }
        }
        for intent in intents where intent.kind == .send
            && !acknowledgedKeys.contains(SendKey(sender: intent.user, clientMessageID: intent.clientMessageID)) {
            let found = try histories.messages(of: intent.chat).values.first {
                $0.sender.rawValue == intent.user && $0.clientMessageID == intent.clientMessageID
            }
            guard let found else {
                check.inFlightDropped += 1
                continue
            }
            if matches(found, intent) {
                check.inFlightKept += 1
            } else {
                check.contradict("a send in flight at the crash was stored damaged: message \(found.sequence) of chat \(intent.chat)")
            }
        }
    }

    private static func verifyWatermarks<Connection: StoreConnection>(
        _ acknowledged: [Record], histories: inout ChatHistories<Connection>, connection: Connection, into check: inout CrashCheck
    ) throws(StoreError) {
        var watermarks: [UInt64: [UInt64: UInt64]] = [:]  // user -> chat -> highest acknowledged watermark
        for record in acknowledged where record.kind == .markRead {
            watermarks[record.user, default: [:]][record.chat] = max(watermarks[record.user]?[record.chat] ?? 0, record.sequence)
        }
        for (user, chats) in watermarks {
            let inbox: [InboxEntry]
            do throws(StoreError) {
                inbox = try connection.inbox(of: UserID(user), limit: 100_000)
            } catch where error.kind == .unknownUser {
                inbox = []  // the user was lost: so are the watermarks
            }
            var entries: [UInt64: InboxEntry] = [:]
            for entry in inbox { entries[entry.chat.rawValue] = entry }
            for (chat, watermark) in chats {
                check.acknowledgedChecked += 1
                guard let entry = entries[chat] else {
                    check.lose(.markRead, "chat \(chat) is missing from the inbox of user \(user), who marked it read")
                    continue
                }
                if entry.readSequence < watermark {
                    check.lose(.markRead, "user \(user)'s watermark in chat \(chat) is \(entry.readSequence), below the acknowledged \(watermark)")
                }
                if entry.readSequence > entry.lastSequence {
                    check.contradict("user \(user)'s watermark in chat \(chat) is \(entry.readSequence), beyond its last message \(entry.lastSequence)")
                }
                let unread = try histories.messages(of: chat).values.filter { $0.sequence > entry.readSequence && $0.sender.rawValue != user }.count
                if entry.unreadCount != UInt64(unread) {
                    check.contradict("user \(user) has \(entry.unreadCount) unread in chat \(chat), but \(unread) messages follow the watermark")
                }
            }
        }
    }

    /// A send's idempotency key.
    struct SendKey: Hashable {
        var sender: UInt64
        var clientMessageID: UInt64
    }

    private static func matches(_ message: Message, _ record: Record) -> Bool {
        message.sender.rawValue == record.user && message.clientMessageID == record.clientMessageID
            && message.body.count == Int(record.bodyLength) && AcknowledgementLog.digest(message.body) == record.bodyDigest
    }
}

/// Whole chat histories read once each, by sequence.
struct ChatHistories<Connection: StoreConnection> {
    let connection: Connection
    private var loaded: [UInt64: [UInt64: Message]] = [:]

    init(connection: Connection) { self.connection = connection }

    mutating func messages(of chat: UInt64) throws(StoreError) -> [UInt64: Message] {
        if let known = loaded[chat] { return known }
        var messages: [UInt64: Message] = [:]
        var before: UInt64?
        while true {
            let page: [Message]
            do throws(StoreError) {
                page = try connection.history(of: ChatID(chat), before: before, limit: 500)
            } catch where error.kind == .unknownChat {
                break  // the chat itself was lost: so are its messages
            }
            for message in page { messages[message.sequence] = message }
            guard let oldest = page.last, oldest.sequence > 1, page.count == 500 else { break }
            before = oldest.sequence
        }
        loaded[chat] = messages
        return messages
    }
}
