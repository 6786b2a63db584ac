import SurgeCore
import Workload

/// Performs trace operations on one connection, mapping trace users and chats to store ids and checking that each
/// answer is the one the trace implies. Generic over the connection, so the call into the store is direct.
struct OperationRunner<Connection: StoreConnection> {
    let connection: Connection
    let plan: ReplayPlan
    let users: IdentifierTable
    let chats: IdentifierTable
    let ledger: ChatLedger
    /// The highest read watermark acknowledged and the messages acknowledged, by (trace user, trace chat).
    let pairs: PairTable
    /// Where acknowledged writes are logged as they happen (crash runs); nil in measured runs.
    let acknowledgements: AcknowledgementLog?
    /// The last send of this worker that failed: its resend must then store it anew instead of finding a duplicate,
    /// unless the failure left the outcome unknown (then either answer is right).
    var lastFailedClientID: UInt64 = 0
    var lastFailureInDoubt = false

    static var displayName: String { "SurgeBench user" }

    /// Runs one operation; nil when it succeeded with the expected answer.
    mutating func execute(_ operation: TraceOperation, recorder: WorkerRecorder) -> ErrorCategory? {
        do throws(StoreError) {
            return try perform(operation, recorder: recorder)
        } catch {
            if operation.kind == .send {
                lastFailedClientID = operation.clientMessageID
                lastFailureInDoubt = error.leavesOutcomeInDoubt
            }
            // A lost connection or an unconfirmed replica may come after the store applied the write.
            if error.leavesOutcomeInDoubt, operation.kind == .send || operation.kind == .markRead, chats[operation.chat] != 0 {
                let user = operation.kind == .send ? users[operation.user] : UInt64(operation.user)
                recorder.inDoubt.append(.init(kind: operation.kind, chat: operation.chat, user: user))
            }
            return ErrorCategory(error.kind)
        }
    }

    /// Runs one operation, throwing the store's error; returns a category when the answer was wrong or a
    /// dependency had failed.
    mutating func perform(_ operation: TraceOperation, recorder: WorkerRecorder) throws(StoreError) -> ErrorCategory? {
        switch operation.kind {
        case .register:
            let known = users[operation.user]
            if known == 0 { acknowledgements?.note(.intent, .register, traceUser: operation.user) }
            let phone = try plan.phone(number: TracePhones.number(ofUser: operation.user))
            let registration = try connection.register(phone: phone, displayName: Self.displayName)
            if known != 0 {
                // A retry after an acknowledged registration must find that user.
                guard registration.outcome == .alreadyRegistered, registration.user.rawValue == known else { return .wrongResult }
                return nil
            }
            guard registration.outcome == .created else { return .wrongResult }
            users[operation.user] = registration.user.rawValue
            acknowledgements?.note(.acknowledged, .register, traceUser: operation.user, user: registration.user.rawValue)
            return nil

        case .importContacts:
            let owner = users[operation.user]
            guard owner != 0 else { return .dependencyFailed }
            var phones: [PhoneNumber] = []
            phones.reserveCapacity(operation.list.count)
            for number in operation.list { phones.append(try plan.phone(number: number)) }
            let matches = try connection.importContacts(of: UserID(owner), phones: phones)
            guard matches.count == Set(operation.list.filter { plan.registeredNumbers.contains($0) }).count else { return .wrongResult }
            acknowledgements?.note(.acknowledged, .importContacts, user: owner, other: UInt64(operation.list.count), sequence: UInt64(matches.count))
            return nil

        case .openDirectChat:
            let first = users[operation.user]
            let second = users[operation.otherUser]
            guard first != 0, second != 0 else { return .dependencyFailed }
            chats[operation.chat] = try connection.directChat(between: UserID(first), and: UserID(second)).rawValue
            acknowledgements?.note(.acknowledged, .openDirectChat, user: first, chat: chats[operation.chat], other: second)
            return nil

        case .createGroup:
            let creator = users[operation.user]
            let members = operation.list.map { UserID(users[UInt32(truncatingIfNeeded: $0)]) }
            guard creator != 0, !members.contains(UserID(0)) else { return .dependencyFailed }
            chats[operation.chat] = try connection.createGroup(by: UserID(creator), members: members).rawValue
            acknowledgements?.note(.acknowledged, .createGroup, user: creator, chat: chats[operation.chat],
                                   other: UInt64(Set(members + [UserID(creator)]).count))
            return nil

        case .send:
            let chat = chats[operation.chat]
            let sender = users[operation.user]
            guard chat != 0, sender != 0, let body = plan.bodies[operation.bodyBytes] else { return .dependencyFailed }
            acknowledgements?.note(.intent, .send, user: sender, chat: chat, clientMessageID: operation.clientMessageID, body: body)
            let receipt = try connection.send(body, to: ChatID(chat), from: UserID(sender), clientMessageID: operation.clientMessageID)
            let retriedAfterFailure = operation.isRetry && lastFailedClientID == operation.clientMessageID
            let duplicateExpected = operation.isRetry && !retriedAfterFailure
            let eitherIsRight = retriedAfterFailure && lastFailureInDoubt
            if duplicateExpected, !receipt.isDuplicate, receipt.chat.rawValue == chat {
                // The original was acknowledged, yet the store no longer knows it: a lost write (a failover, say).
                recorder.forgottenSends.append(.init(chat: operation.chat, sequence: receipt.sequence, sender: sender))
                return .wrongResult
            }
            guard receipt.isDuplicate == duplicateExpected || eitherIsRight, receipt.chat.rawValue == chat else { return .wrongResult }
            if !receipt.isDuplicate || eitherIsRight {  // a duplicate after an in-doubt failure: that send was kept
                ledger.acknowledge(chat: operation.chat, sequence: receipt.sequence)
                pairs.addSent(user: operation.user, chat: operation.chat, 1)
                acknowledgements?.note(.acknowledged, .send, user: sender, chat: chat, sequence: receipt.sequence,
                                       clientMessageID: operation.clientMessageID, body: body)
            }
            return nil

        case .history:
            let chat = chats[operation.chat]
            guard chat != 0 else { return .dependencyFailed }
            let page = try connection.history(of: ChatID(chat), before: nil, limit: Int(operation.pageSize))
            return page.count <= Int(operation.pageSize) ? nil : .wrongResult

        case .markRead:
            let chat = chats[operation.chat]
            let user = users[operation.user]
            guard chat != 0, user != 0 else { return .dependencyFailed }
            let watermark = try connection.markRead(ChatID(chat), by: UserID(user), upTo: .max)
            pairs.raiseWatermark(user: operation.user, chat: operation.chat, to: watermark)
            acknowledgements?.note(.acknowledged, .markRead, user: user, chat: chat, sequence: watermark)
            return nil

        case .inbox:
            let user = users[operation.user]
            guard user != 0 else { return .dependencyFailed }
            let entries = try connection.inbox(of: UserID(user), limit: Int(operation.pageSize))
            return entries.count <= Int(operation.pageSize) ? nil : .wrongResult
        }
    }
}
