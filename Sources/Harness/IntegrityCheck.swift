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

    /// This report and another shard's: counts added, problems and reasons kept (the first few).
    public func adding(_ other: IntegrityReport) -> IntegrityReport {
        var sum = self
        sum.registrationsChecked += other.registrationsChecked
        sum.lostRegistrations += other.lostRegistrations
        sum.messagesAcknowledged += other.messagesAcknowledged
        sum.messagesStored += other.messagesStored
        sum.lostMessages += other.lostMessages
        sum.unacknowledgedMessages += other.unacknowledgedMessages
        if let more = other.inDoubtMessagesStored { sum.inDoubtMessagesStored = (sum.inDoubtMessagesStored ?? 0) + more }
        sum.chatsWithGaps += other.chatsWithGaps
        sum.unreadChecked += other.unreadChecked
        sum.unreadMismatches += other.unreadMismatches
        for problem in other.problems { sum.note(problem) }
        if let reason = other.unverifiable { sum.unverifiable = sum.unverifiable.map { "\($0); \(reason)" } ?? reason }
        return sum
    }

    mutating func note(_ problem: @autoclosure () -> String) {
        if problems.count < 10 { problems.append(problem()) }
    }
}

/// The integrity check keeps counters per chat and watermarks per (user, chat), never a record per operation: what
/// the store holds is checked against the acknowledged counts, and each inbox entry's unread count against the
/// store's own messages after its watermark (which the counts have already checked against what was acknowledged).
enum IntegrityCheck {
    static func verify<Connection: StoreConnection>(
        connection: Connection, plan: ReplayPlan, users: IdentifierTable, chats: IdentifierTable, ledger: ChatLedger,
        pairs: PairTable, inDoubt: [WorkerRecorder.InDoubt] = [], forgottenSends: [WorkerRecorder.MessageAck] = []
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
        // Operations whose outcome is unknown: sends per trace chat; mark-reads by (reader, chat).
        var inDoubtSends: [UInt32: Int] = [:]
        var inDoubtReads = Set<UInt64>()
        for operation in inDoubt {
            if operation.kind == .send { inDoubtSends[operation.chat, default: 0] += 1 }
            else { inDoubtReads.insert(operation.user << 32 | UInt64(operation.chat)) }
        }
        for user in 0..<UInt32(plan.userCount) where users[user] != 0 {
            report.registrationsChecked += 1
            let phone = try plan.phone(number: TracePhones.number(ofUser: user))
            let found = try connection.user(withPhone: phone)
            if found?.rawValue != users[user] {
                report.lostRegistrations += 1
                report.note("registration of \(phone) was acknowledged as user \(users[user]) but the store finds \(found.map { "\($0)" } ?? "nobody")")
            }
        }

        // Only the chats this replay made count: other shards' chats in a shared store are theirs to check. Our trace
        // chats sorted by the id the store gave them, 4 bytes a chat, to find a stored chat's trace chat.
        var byStore = (0..<UInt32(plan.chatCount)).filter { chats[$0] != 0 }
        byStore.sort { chats[$0] < chats[$1] }
        func traceChat(of store: UInt64) -> UInt32? { byStore.binarySearch(store) { chats[$0] }.map { byStore[$0] } }

        // Each stored chat is checked as the store reports it and only its message count kept (for the unread
        // counts below; `notStored` for a chat the store does not have), so the check never holds the store's
        // whole summary.
        let notStored = UInt32.max
        var storedMessages = [UInt32](repeating: notStored, count: plan.chatCount)
        _ = try connection.summarize { stored in
            guard let chat = traceChat(of: stored.chat.rawValue) else { return }
            storedMessages[Int(chat)] = UInt32(clamping: min(stored.messageCount, UInt64(notStored - 1)))
            report.messagesStored += stored.messageCount
            if !stored.isGapless {
                report.chatsWithGaps += 1
                report.note("\(stored.chat) holds \(stored.messageCount) messages but its last sequence is \(stored.lastSequence) (highest stored \(stored.highestStoredSequence))")
            }
            let (count, highest) = ledger.acknowledged(chat: chat)
            guard count > 0 else { return }
            // Acknowledged sequences are distinct: fewer stored messages, or an acknowledged sequence above the
            // highest stored, means lost messages.
            let lost = max(Int(count) - Int(stored.messageCount), highest > stored.highestStoredSequence ? 1 : 0)
            if lost > 0 {
                report.lostMessages += lost
                report.note("\(stored.chat): \(count) messages acknowledged (up to sequence \(highest)), \(stored.messageCount) stored")
            } else if Int(stored.messageCount) > Int(count) {
                let extra = Int(stored.messageCount) - Int(count)
                let explained = min(extra, inDoubtSends[chat] ?? 0)
                report.inDoubtMessagesStored = (report.inDoubtMessagesStored ?? 0) + explained
                if extra > explained {
                    report.unacknowledgedMessages += extra - explained
                    report.note("\(stored.chat): \(stored.messageCount) messages stored but only \(count) acknowledged"
                        + (explained > 0 ? " and \(explained) in doubt" : ""))
                }
            }
        }
        for chat in 0..<UInt32(plan.chatCount) {
            let count = ledger.acknowledged(chat: chat).count
            guard count > 0 else { continue }
            report.messagesAcknowledged += Int(count)
            if storedMessages[Int(chat)] == notStored {
                report.lostMessages += Int(count)
                report.note("trace chat \(chat) had \(count) acknowledged messages but the store has no such chat")
            }
        }

        // Read state: the watermark is the highest acknowledged one (at least that when a mark-read is in doubt).
        // Unread counts the others' messages after the store's watermark: from the counts when nothing was read and
        // no send is in doubt (the chat's stored messages less the reader's acknowledged ones, which the counts above
        // checked), otherwise from the chat's messages after the lowest watermark, read in batches of entries, each
        // chat once per batch.
        func mismatch(_ user: UInt32, _ chat: UInt64, _ unread: UInt64, _ read: UInt64, _ expected: UInt64) {
            report.unreadMismatches += 1
            report.note("user \(users[user]) in \(ChatID(chat)): \(unread) unread after watermark \(read), but \(expected) messages of others follow it")
        }
        let batch = 65_536
        var toRead: [(chat: UInt32, user: UInt32, read: UInt64, unread: UInt64)] = []
        func readBatch() throws(StoreError) {
            toRead.sort { $0.chat < $1.chat }
            var start = 0
            while start < toRead.count {
                var end = start
                while end < toRead.count, toRead[end].chat == toRead[start].chat { end += 1 }
                let lowest = toRead[start..<end].map(\.read).min() ?? 0
                let messages = try messages(of: ChatID(chats[toRead[start].chat]), after: lowest, connection: connection)
                for (chat, user, read, unread) in toRead[start..<end] {
                    let expected = UInt64(messages.reduce(0) { $0 + ($1.sequence > read && $1.sender.rawValue != users[user] ? 1 : 0) })
                    if unread != expected { mismatch(user, chats[chat], unread, read, expected) }
                }
                start = end
            }
            toRead.removeAll(keepingCapacity: true)
        }
        for user in 0..<UInt32(plan.userCount) where users[user] != 0 {
            for entry in try connection.inbox(of: UserID(users[user]), limit: 1_000_000) {
                guard let traceChat = traceChat(of: entry.chat.rawValue) else { continue }
                report.unreadChecked += 1
                let watermark = pairs.watermark(user: user, chat: traceChat)
                let readInDoubt = inDoubtReads.contains(UInt64(user) << 32 | UInt64(traceChat))
                guard readInDoubt ? entry.readSequence >= watermark : entry.readSequence == watermark else {
                    report.unreadMismatches += 1
                    report.note("user \(users[user]) in \(entry.chat): watermark \(entry.readSequence), expected \(watermark)")
                    continue
                }
                let stored = storedMessages[Int(traceChat)]
                if entry.readSequence == 0, inDoubtSends[traceChat] == nil, stored != notStored {
                    let own = pairs.sent(user: user, chat: traceChat)
                    let expected = UInt64(stored) >= own ? UInt64(stored) - own : 0
                    if entry.unreadCount != expected { mismatch(user, entry.chat.rawValue, entry.unreadCount, 0, expected) }
                } else if entry.unreadCount > 0 || entry.readSequence < entry.lastSequence {
                    toRead.append((traceChat, user, entry.readSequence, entry.unreadCount))
                    if toRead.count == batch { try readBatch() }
                }
            }
        }
        try readBatch()
        return report
    }

    /// The sequence and sender of every message of `chat` after sequence `after`, newest first.
    private static func messages<Connection: StoreConnection>(of chat: ChatID, after: UInt64, connection: Connection)
        throws(StoreError) -> [(sequence: UInt64, sender: UserID)]
    {
        var result: [(sequence: UInt64, sender: UserID)] = []
        var before: UInt64? = nil
        while true {
            let page = try connection.history(of: chat, before: before, limit: 500)
            for message in page where message.sequence > after { result.append((message.sequence, message.sender)) }
            guard let oldest = page.last?.sequence, oldest > after + 1, page.count == 500 else { return result }
            before = oldest
        }
    }
}

extension RandomAccessCollection where Index == Int {
    /// The index of the element whose `key` is `value` in a collection sorted by `key`, or nil.
    func binarySearch(_ value: UInt64, by key: (Element) -> UInt64) -> Int? {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = (low + high) / 2
            let found = key(self[middle])
            if found == value { return middle }
            if found < value { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
