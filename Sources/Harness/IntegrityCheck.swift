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
    /// Stored messages nobody was told were stored, beyond the sends whose failure left their outcome unknown.
    public var unacknowledgedMessages = 0
    /// Stored messages of sends that failed with their outcome unknown (a lost connection, an unconfirmed replica):
    /// the store kept them, which is as right as losing them; counted, never a failure (nil in older results).
    public var inDoubtMessagesStored: Int?
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
        messageAcks: [WorkerRecorder.MessageAck], readAcks: [WorkerRecorder.ReadAck], inDoubt: [WorkerRecorder.InDoubt] = [],
        forgottenSends: [WorkerRecorder.MessageAck] = []
    ) throws(StoreError) -> IntegrityReport {
        var report = IntegrityReport()
        report.inDoubtMessagesStored = 0
        // A resend that found no original proves the acknowledged original was lost, even when the resend's copy now
        // stands where it stood.
        report.lostMessages += forgottenSends.count
        for send in forgottenSends {
            report.note("an acknowledged message in trace chat \(send.chat) was lost: its resend found no original and was stored anew "
                + "as sequence \(send.sequence)")
        }
        // Operations whose outcome is unknown: sends per trace chat, and by sender; mark-reads by (reader, chat).
        var inDoubtSends: [UInt32: [UInt64]] = [:]
        var inDoubtReads = Set<UInt64>()
        for operation in inDoubt {
            if operation.kind == .send { inDoubtSends[operation.chat, default: []].append(operation.user) }
            else { inDoubtReads.insert(operation.user << 32 | UInt64(operation.chat)) }
        }
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
                let extra = Int(stored.messageCount) - acks.count
                let explained = min(extra, inDoubtSends[traceChat]?.count ?? 0)
                report.inDoubtMessagesStored = (report.inDoubtMessagesStored ?? 0) + explained
                if extra > explained {
                    report.unacknowledgedMessages += extra - explained
                    report.note("\(stored.chat): \(stored.messageCount) messages stored but only \(acks.count) acknowledged"
                        + (explained > 0 ? " and \(explained) in doubt" : ""))
                }
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
                // Operations in doubt widen what is right: others' unconfirmed sends may count as unread, and an
                // unconfirmed mark-read may have moved the watermark (and lowered the count) further.
                let othersInDoubt = UInt64((inDoubtSends[traceChat] ?? []).filter { $0 != users[user] }.count)
                let readInDoubt = inDoubtReads.contains(UInt64(user) << 32 | UInt64(traceChat))
                let watermarkRight = readInDoubt ? entry.readSequence >= watermark : entry.readSequence == watermark
                let unreadRight = readInDoubt ? entry.unreadCount <= UInt64(expectedUnread) + othersInDoubt
                    : (UInt64(expectedUnread)...(UInt64(expectedUnread) + othersInDoubt)).contains(entry.unreadCount)
                if !watermarkRight || !unreadRight {
                    report.unreadMismatches += 1
                    report.note("user \(users[user]) in \(entry.chat): watermark \(entry.readSequence) unread \(entry.unreadCount), expected \(watermark) and \(expectedUnread)")
                }
            }
        }
        return report
    }
}
