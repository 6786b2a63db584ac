import SurgeCore

/// One worker's connection to a driver: a socket of its own, opened with HELLO, each store call one request frame and
/// one reply frame. A call that times out or breaks the protocol drops the socket (the stream cannot be trusted after
/// it); the next call connects again.
final class DriverConnection: StoreConnection {
    private let driver: DriverProcess
    private let timeouts: DriverTimeouts
    private var socket: DriverSocket?

    /// A connection to `driver`, connected and greeted now.
    init(driver: DriverProcess, timeouts: DriverTimeouts) throws(StoreError) {
        self.driver = driver
        self.timeouts = timeouts
        socket = try greet()
    }

    /// Connects and exchanges HELLO; returns the socket and the driver's description as JSON.
    static func hello(_ driver: DriverProcess, timeouts: DriverTimeouts) throws(StoreError) -> (DriverSocket, [UInt8]) {
        let deadline = MonotonicClock.now() + timeouts.startNanos
        let socket = try driver.connect(deadline: deadline, timeoutNanos: timeouts.callNanos, startTimeout: timeouts.startText)
        var frame = WireWriter(DriverWire.Operation.hello.rawValue)
        frame.u32(DriverWire.version)
        var reply = try exchange(frame.finished(), on: socket, driver: driver, operation: .hello, deadline: deadline, timeouts: timeouts).get()
        do throws(WireReader.Malformed) {
            let json = try reply.data()
            try reply.finish()
            return (socket, json)
        } catch {
            throw DriverFailure.protocolError(driver.name, "its HELLO reply: \(error.reason)")
        }
    }

    /// Sends `frame` for `operation` and returns a reader over an OK reply's fields, or the ``StoreError`` an error reply
    /// carries; throws for every transport failure and protocol breach (after which the socket cannot be used again),
    /// naming the driver.
    static func exchange(_ frame: [UInt8], on socket: DriverSocket, driver: DriverProcess, operation: DriverWire.Operation,
                         deadline: UInt64, timeouts: DriverTimeouts) throws(StoreError) -> Result<WireReader, StoreError> {
        let body: [UInt8]
        do throws(DriverSocket.Failure) {
            body = try socket.exchange(frame, deadline: deadline)
        } catch {
            switch error {
            case .closed:
                throw DriverFailure.unavailable(driver.name, "closed the connection during \(operation.name): \(driver.whyNotAnswering())")
            case .timedOut:
                throw DriverFailure.unavailable(driver.name, "did not answer \(operation.name) within \(operation == .hello ? timeouts.startText : timeouts.callText) "
                    + "(\(operation == .hello ? "start-timeout" : "call-timeout")=...; the call may still complete in the driver)")
            case .badLength(let length):
                throw DriverFailure.protocolError(driver.name, "its reply to \(operation.name) announces a frame of \(length) bytes; a frame "
                    + "holds 1 to \(DriverWire.largestFrame) bytes")
            case .system(let reason):
                throw DriverFailure.unavailable(driver.name, "cannot be reached for \(operation.name) (\(reason)): \(driver.whyNotAnswering())")
            }
        }
        var reader = WireReader(body)
        do throws(WireReader.Malformed) {
            switch try reader.u8() {
            case DriverWire.Status.ok.rawValue:
                return .success(reader)
            case DriverWire.Status.error.rawValue:
                let code = try reader.u8()
                let certainty = try reader.u8()
                let message = try reader.string()
                try reader.finish()
                guard let kind = DriverWire.errorKinds[code] else {
                    throw WireReader.Malformed(reason: "its error reply to \(operation.name) has the unknown error kind \(code) "
                        + "(kinds are 1 to \(DriverWire.errorKinds.count)); its message: \(message.prefix(200))")
                }
                guard let certain = DriverWire.Certainty(rawValue: certainty) else {
                    throw WireReader.Malformed(reason: "its error reply to \(operation.name) has certainty \(certainty) (0: definite, 1: indefinite)")
                }
                return .failure(StoreError(kind, "driver \(driver.name): \(message)", definite: certain == .definite))
            case let status:
                throw WireReader.Malformed(reason: "its reply to \(operation.name) starts with status \(status) (0: ok, 1: error)")
            }
        } catch {
            throw DriverFailure.protocolError(driver.name, error.reason)
        }
    }

    private func greet() throws(StoreError) -> DriverSocket {
        try Self.hello(driver, timeouts: timeouts).0
    }

    /// One call: the request `build` writes, the reply `read` decodes.
    private func call<Value>(_ operation: DriverWire.Operation, _ build: (inout WireWriter) -> Void,
                              _ read: (inout WireReader) throws(WireReader.Malformed) -> Value) throws(StoreError) -> Value {
        let socket: DriverSocket
        if let open = self.socket {
            socket = open
        } else {
            do throws(StoreError) {
                socket = try greet()
            } catch {
                // Nothing was sent: the call did not happen.
                throw StoreError(.unavailable, "\(error.message) (connecting again for \(operation.name))", definite: true)
            }
            self.socket = socket
        }
        var frame = WireWriter(operation.rawValue)
        build(&frame)
        let outcome: Result<WireReader, StoreError>
        do throws(StoreError) {
            outcome = try Self.exchange(frame.finished(), on: socket, driver: driver, operation: operation,
                                        deadline: MonotonicClock.now() + timeouts.callNanos, timeouts: timeouts)
        } catch {
            self.socket = nil  // a transport failure or a protocol breach: this stream cannot be trusted any more
            throw error
        }
        var reply = try outcome.get()
        do throws(WireReader.Malformed) {
            let result = try read(&reply)
            try reply.finish()
            return result
        } catch {
            self.socket = nil
            throw DriverFailure.protocolError(driver.name, "its reply to \(operation.name): \(error.reason)")
        }
    }

    private static func checkedCount(_ count: Int, _ what: String) throws(StoreError) -> UInt32 {
        guard count >= 0, count <= Int(UInt32.max) else { throw StoreError(.invalidArgument, "\(what) must be from 0 to \(UInt32.max), got \(count)") }
        return UInt32(count)
    }

    func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        return try call(.register, { frame in
            frame.string(phone.text)
            frame.string(displayName)
        }, { reply throws(WireReader.Malformed) in
            let user = UserID(try reply.u64())
            return Registration(user: user, outcome: try reply.flag() ? .created : .alreadyRegistered)
        })
    }

    func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        _ = try Self.checkedCount(phones.count, "the number of contacts")
        let phones = Validation.distinctPhones(phones)
        return try call(.importContacts, { frame in
            frame.u64(owner.rawValue)
            frame.u32(UInt32(phones.count))
            for phone in phones { frame.string(phone.text) }
        }, { reply throws(WireReader.Malformed) in
            let count = try reply.count(eachAtLeast: 12)
            var matches: [ContactMatch] = []
            matches.reserveCapacity(count)
            for _ in 0..<count {
                let text = try reply.string()
                guard let phone = try? PhoneNumber(text) else { throw WireReader.Malformed(reason: "a matched phone number '\(text.prefix(40))' is not valid") }
                matches.append(ContactMatch(phone: phone, user: UserID(try reply.u64())))
            }
            return matches
        })
    }

    func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        return try call(.directChat, { frame in
            frame.u64(first.rawValue)
            frame.u64(second.rawValue)
        }, { reply throws(WireReader.Malformed) in ChatID(try reply.u64()) })
    }

    func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let members = try Validation.groupMembers(creator: creator, members: members).dropFirst()
        return try call(.createGroup, { frame in
            frame.u64(creator.rawValue)
            frame.u32(UInt32(members.count))
            for member in members { frame.u64(member.rawValue) }
        }, { reply throws(WireReader.Malformed) in ChatID(try reply.u64()) })
    }

    func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        return try call(.send, { frame in
            frame.u64(chat.rawValue)
            frame.u64(sender.rawValue)
            frame.u64(clientMessageID)
            frame.data(body)
        }, { reply throws(WireReader.Malformed) in
            let sequence = try reply.u64()
            return SendReceipt(chat: chat, sequence: sequence, isDuplicate: try reply.flag())
        })
    }

    func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        let wireLimit = try Self.checkedCount(limit, "a history limit")
        return try call(.history, { frame in
            frame.u64(chat.rawValue)
            frame.optionalU64(before)
            frame.u32(wireLimit)
        }, { reply throws(WireReader.Malformed) in
            let count = try reply.count(eachAtLeast: 28)
            guard count <= limit else { throw WireReader.Malformed(reason: "HISTORY returned \(count) messages for a limit of \(limit)") }
            var messages: [Message] = []
            messages.reserveCapacity(count)
            for _ in 0..<count {
                let sequence = try reply.u64()
                let sender = UserID(try reply.u64())
                let clientMessageID = try reply.u64()
                messages.append(Message(chat: chat, sequence: sequence, sender: sender, clientMessageID: clientMessageID, body: try reply.data()))
            }
            return messages
        })
    }

    func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        try call(.markRead, { frame in
            frame.u64(chat.rawValue)
            frame.u64(user.rawValue)
            frame.u64(sequence)
        }, { reply throws(WireReader.Malformed) in try reply.u64() })
    }

    func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        let wireLimit = try Self.checkedCount(limit, "an inbox limit")
        return try call(.inbox, { frame in
            frame.u64(user.rawValue)
            frame.u32(wireLimit)
        }, { reply throws(WireReader.Malformed) in
            let count = try reply.count(eachAtLeast: 32)
            guard count <= limit else { throw WireReader.Malformed(reason: "INBOX returned \(count) chats for a limit of \(limit)") }
            var entries: [InboxEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                entries.append(InboxEntry(chat: ChatID(try reply.u64()), lastSequence: try reply.u64(), readSequence: try reply.u64(),
                                          unreadCount: try reply.u64()))
            }
            return entries
        })
    }

    func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        try call(.userByPhone, { frame in frame.string(phone.text) }, { reply throws(WireReader.Malformed) in
            try reply.optionalU64().map { UserID($0) }
        })
    }

    /// Chats come in pages of this many, in ascending chat id order.
    static let summaryPage: UInt32 = 4096

    func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        var after: UInt64 = 0
        var users = 0
        while true {
            let (count, page) = try call(.summary, { frame in
                frame.u64(after)
                frame.u32(Self.summaryPage)
            }, { reply throws(WireReader.Malformed) in
                let users = try reply.u64()
                let count = try reply.count(eachAtLeast: 36)
                guard count <= Self.summaryPage else { throw WireReader.Malformed(reason: "SUMMARY returned \(count) chats for a page of \(Self.summaryPage)") }
                var page: [StoreSummary.Chat] = []
                page.reserveCapacity(count)
                for _ in 0..<count {
                    let id = try reply.u64()
                    guard id > after, id > (page.last?.chat.rawValue ?? 0) else {
                        throw WireReader.Malformed(reason: "SUMMARY returned chat \(id) after chat \(max(after, page.last?.chat.rawValue ?? 0)); chats come in ascending order after the one asked for")
                    }
                    page.append(StoreSummary.Chat(chat: ChatID(id), memberCount: Int(try reply.u32()), messageCount: try reply.u64(),
                                                  lastSequence: try reply.u64(), highestStoredSequence: try reply.u64()))
                }
                return (Int(clamping: users), page)
            })
            users = count
            page.forEach(chat)
            guard page.count == Int(Self.summaryPage), let last = page.last else { return users }
            after = last.chat.rawValue
        }
    }
}
