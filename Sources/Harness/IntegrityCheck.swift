import SurgeCore
import Workload

/// What the store holds after a run, checked against everything it acknowledged.
public struct IntegrityReport: Sendable, Hashable, Codable {
    public var registrationsChecked = 0
    /// Acknowledged registrations whose phone number no longer finds the same user.
    public var lostRegistrations = 0
    public var messagesAcknowledged = 0
    public var messagesStored: UInt64 = 0
    /// Acknowledged messages missing from the store.
    public var lostMessages = 0
    /// Stored messages nobody was told were stored (a failed send that left its message behind).
    public var unacknowledgedMessages = 0
    public var chatsWithGaps = 0
    public var unreadChecked = 0
    /// (user, chat) pairs whose watermark or unread count differ from what the acknowledged operations imply.
    public var unreadMismatches = 0
    /// The first few problems, in words.
    public var problems: [String] = []
    /// Set when the store could not be read back at all (a server that died, say): nothing could be verified.
    public var unverifiable: String?

    public init() {}

    /// The report of a store that could not be read back.
    public init(unverifiable reason: String) {
        unverifiable = reason
        problems = ["the store could not be read back to verify it: \(reason)"]
    }

    /// Everything acknowledged was found and every count agrees.
    public var isIntact: Bool {
        unverifiable == nil && lostRegistrations == 0 && lostMessages == 0 && unacknowledgedMessages == 0 && chatsWithGaps == 0
            && unreadMismatches == 0
    }

    /// Lost writes of any kind.
    public var lost: Int { lostRegistrations + lostMessages }

    mutating func note(_ problem: @autoclosure () -> String) {
        if problems.count < 10 { problems.append(problem()) }
    }
}

enum IntegrityCheck {
    static func verify<Connection: StoreConnection>(
        connection: Connection, plan: ReplayPlan, users: IdentifierTable, chats: IdentifierTable,
        messageAcks: [WorkerRecorder.MessageAck], readAcks: [WorkerRecorder.ReadAck]
    ) throws(StoreError) -> IntegrityReport {
        var report = IntegrityReport()
        for user in 0..<UInt32(plan.userCount) where users[user] != 0 {
            report.registrationsChecked += 1
            let found = try connection.user(withPhone: plan.phones[Int(user)])
            if found?.rawValue != users[user] {
                report.lostRegistrations += 1
                report.note("registration of \(plan.phones[Int(user)]) was acknowledged as user \(users[user]) but the store finds \(found.map { "\($0)" } ?? "nobody")")
            }
        }

        // Acknowledged messages by trace chat, in sequence order.
        var byChat: [UInt32: [WorkerRecorder.MessageAck]] = [:]
        for ack in messageAcks { byChat[ack.chat, default: []].append(ack) }
        report.messagesAcknowledged = messageAcks.count
        let summary = try connection.summary()
        report.messagesStored = summary.messageCount
        var storedChats: [UInt64: StoreSummary.Chat] = [:]
        for chat in summary.chats { storedChats[chat.chat.rawValue] = chat }
        var traceChatOf: [UInt64: UInt32] = [:]
        for chat in 0..<UInt32(plan.chatCount) where chats[chat] != 0 { traceChatOf[chats[chat]] = chat }
        for stored in summary.chats where !stored.isGapless {
            report.chatsWithGaps += 1
            report.note("\(stored.chat) holds \(stored.messageCount) messages but its last sequence is \(stored.lastSequence) (highest stored \(stored.highestStoredSequence))")
        }
        for (traceChat, acks) in byChat {
            let sorted = acks.sorted { $0.sequence < $1.sequence }
            byChat[traceChat] = sorted
            guard let stored = storedChats[chats[traceChat]] else {
                report.lostMessages += acks.count
                report.note("trace chat \(traceChat) had \(acks.count) acknowledged messages but the store has no such chat")
                continue
            }
            let distinct = Set(sorted.map(\.sequence)).count
            let missing = sorted.filter { $0.sequence > stored.highestStoredSequence }.count + (acks.count - distinct)
            let lost = max(missing, acks.count - Int(stored.messageCount))
            if lost > 0 {
                report.lostMessages += lost
                report.note("\(stored.chat): \(acks.count) messages acknowledged, \(stored.messageCount) stored")
            } else if Int(stored.messageCount) > acks.count {
                report.unacknowledgedMessages += Int(stored.messageCount) - acks.count
                report.note("\(stored.chat): \(stored.messageCount) messages stored but only \(acks.count) acknowledged")
            }
        }

        // Read state: the watermark is the highest acknowledged one; unread counts the others' messages after it.
        var watermarks: [UInt64: UInt64] = [:]
        for ack in readAcks {
            let key = UInt64(ack.user) << 32 | UInt64(ack.chat)
            watermarks[key] = max(watermarks[key] ?? 0, ack.watermark)
        }
        for user in 0..<UInt32(plan.userCount) where users[user] != 0 {
            for entry in try connection.inbox(of: UserID(users[user]), limit: 1_000_000) {
                guard let traceChat = traceChatOf[entry.chat.rawValue] else { continue }
                report.unreadChecked += 1
                let watermark = watermarks[UInt64(user) << 32 | UInt64(traceChat)] ?? 0
                let acks = byChat[traceChat] ?? []
                let expectedUnread = acks.reduce(0) { $0 + ($1.sequence > watermark && $1.sender != users[user] ? 1 : 0) }
                if entry.readSequence != watermark || entry.unreadCount != UInt64(expectedUnread) {
                    report.unreadMismatches += 1
                    report.note("user \(users[user]) in \(entry.chat): watermark \(entry.readSequence) unread \(entry.unreadCount), expected \(watermark) and \(expectedUnread)")
                }
            }
        }
        return report
    }
}
