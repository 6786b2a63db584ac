import SurgeCore
import Workload

/// Performs trace operations on one connection, mapping trace users and chats to store ids and checking that each
/// answer is the one the trace implies. Generic over the connection, so the call into the store is direct.
struct OperationRunner<Connection: StoreConnection> {
    let connection: Connection
    let plan: ReplayPlan
    let users: IdentifierTable
    let chats: IdentifierTable
    /// Where acknowledged writes are logged as they happen (crash runs); nil in measured runs.
    let acknowledgements: AcknowledgementLog?
    /// The last send of this worker that failed: its resend must then store it anew instead of finding a duplicate,
    /// unless the failure left the outcome unknown (then either answer is right).
    var lastFailedClientID: UInt64 = 0
    var lastFailureInDoubt = false

    static var displayName: String { "SurgeBench user" }

    /// Runs one operation; nil when it succeeded with the expected answer.
    mutating func execute(_ operation: TraceOperation, listIndex: Int32, recorder: WorkerRecorder) -> ErrorCategory? {
        do throws(StoreError) {
            return try perform(operation, listIndex: listIndex, recorder: recorder)
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
    mutating func perform(_ operation: TraceOperation, listIndex: Int32, recorder: WorkerRecorder) throws(StoreError) -> ErrorCategory? {
        switch operation.kind {
        case .register:
            let known = users[operation.user]
            var logged = AcknowledgementLog.Record(.intent, .register)
            logged.traceUser = operation.user
            if known == 0 { acknowledgements?.append(logged) }
            let registration = try connection.register(phone: plan.phones[Int(operation.user)], displayName: Self.displayName)
            if known != 0 {
                // A retry after an acknowledged registration must find that user.
                guard registration.outcome == .alreadyRegistered, registration.user.rawValue == known else { return .wrongResult }
                return nil
            }
            guard registration.outcome == .created else { return .wrongResult }
            users[operation.user] = registration.user.rawValue
            logged.event = .acknowledged
            logged.user = registration.user.rawValue
            acknowledgements?.append(logged)
            return nil

        case .importContacts:
            let owner = users[operation.user]
            guard owner != 0, listIndex >= 0 else { return .dependencyFailed }
            let matches = try connection.importContacts(of: UserID(owner), phones: plan.phoneLists[Int(listIndex)])
            guard matches.count == plan.expectedMatches[Int(listIndex)] else { return .wrongResult }
            if let acknowledgements {
                var logged = AcknowledgementLog.Record(.acknowledged, .importContacts)
                logged.user = owner
                logged.other = UInt64(listIndex)
                logged.sequence = UInt64(matches.count)
                acknowledgements.append(logged)
            }
            return nil

        case .openDirectChat:
            let first = users[operation.user]
            let second = users[operation.otherUser]
            guard first != 0, second != 0 else { return .dependencyFailed }
            chats[operation.chat] = try connection.directChat(between: UserID(first), and: UserID(second)).rawValue
            if let acknowledgements {
                var logged = AcknowledgementLog.Record(.acknowledged, .openDirectChat)
                logged.user = first
                logged.other = second
                logged.chat = chats[operation.chat]
                acknowledgements.append(logged)
            }
            return nil

        case .createGroup:
            let creator = users[operation.user]
            let members = operation.list.map { UserID(users[UInt32(truncatingIfNeeded: $0)]) }
            guard creator != 0, !members.contains(UserID(0)) else { return .dependencyFailed }
            chats[operation.chat] = try connection.createGroup(by: UserID(creator), members: members).rawValue
            if let acknowledgements {
                var logged = AcknowledgementLog.Record(.acknowledged, .createGroup)
                logged.user = creator
                logged.chat = chats[operation.chat]
                logged.other = UInt64(Set(members + [UserID(creator)]).count)
                acknowledgements.append(logged)
            }
            return nil

        case .send:
            let chat = chats[operation.chat]
            let sender = users[operation.user]
            guard chat != 0, sender != 0, let body = plan.bodies[operation.bodyBytes] else { return .dependencyFailed }
            var logged = AcknowledgementLog.Record(.intent, .send)
            if let acknowledgements {
                logged.user = sender
                logged.chat = chat
                logged.clientMessageID = operation.clientMessageID
                logged.bodyLength = operation.bodyBytes
                logged.bodyDigest = AcknowledgementLog.digest(body)
                acknowledgements.append(logged)
            }
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
                recorder.messageAcks.append(.init(chat: operation.chat, sequence: receipt.sequence, sender: sender))
                logged.event = .acknowledged
                logged.sequence = receipt.sequence
                acknowledgements?.append(logged)
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
            recorder.readAcks.append(.init(user: operation.user, chat: operation.chat, watermark: watermark))
            if let acknowledgements {
                var logged = AcknowledgementLog.Record(.acknowledged, .markRead)
                logged.user = user
                logged.chat = chat
                logged.sequence = watermark
                acknowledgements.append(logged)
            }
            return nil

        case .inbox:
            let user = users[operation.user]
            guard user != 0 else { return .dependencyFailed }
            let entries = try connection.inbox(of: UserID(user), limit: Int(operation.pageSize))
            return entries.count <= Int(operation.pageSize) ? nil : .wrongResult
        }
    }
}
