/// Turns a scenario and a seed into the operations of a trace, in intended-time order, streaming.
///
/// Setup operations (the population) come first, by stage: users, then chats, then their history. Then the
/// schedule: sessions arrive by each phase's rate curve and arrival process; a newcomer's later steps wait in a
/// heap until their time comes, so memory holds the population and the sessions in flight, never the trace.
public struct TraceGenerator {
    public let scenario: Scenario
    public let seed: UInt64

    public init(scenario: Scenario, seed: UInt64) {
        self.scenario = scenario
        self.seed = seed
    }

    /// Calls `emit` with every operation in order.
    public func generate(_ emit: (TraceOperation) throws -> Void) throws {
        var random = SeededRandom(seed: seed)
        var state = GenerationState(scenario: scenario)
        try state.emitPopulation(&random, emit)
        try state.emitSchedule(&random, emit)
    }
}

/// What the generator remembers while it runs.
private struct GenerationState {
    let scenario: Scenario
    var chatMembers: [[UInt32]] = []
    var nextLane: UInt32 = 0
    var nextClientID: UInt64 = 1
    var nextNewcomer: UInt32 = 0
    var nextSequence: UInt64 = 0
    var pending = OperationHeap()
    var popularity = ZipfTable(count: 1, exponent: 1)
    var popularChats: [UInt32] = []
    let bodySizes: [Int]
    let bodyWeights: [Double]

    init(scenario: Scenario) {
        self.scenario = scenario
        bodySizes = scenario.messages.bodySizes.map(\.bytes)
        var running = 0.0
        bodyWeights = scenario.messages.bodySizes.map { running += $0.weight; return running }
    }

    mutating func lane() -> UInt32 {
        defer { nextLane &+= 1 }
        return nextLane
    }

    mutating func clientID() -> UInt64 {
        defer { nextClientID += 1 }
        return nextClientID
    }

    func bodySize(_ random: inout SeededRandom) -> UInt32 {
        let target = random.unit() * bodyWeights[bodyWeights.count - 1]
        return UInt32(bodySizes[bodyWeights.firstIndex { $0 > target } ?? bodySizes.count - 1])
    }

    // MARK: Population

    mutating func emitPopulation(_ random: inout SeededRandom, _ emit: (TraceOperation) throws -> Void) throws {
        let population = scenario.population
        let users = UInt32(population.users)
        for user in 0..<users {
            try emit(TraceOperation(kind: .register, isSetup: true, phase: 0, lane: user, user: user))
        }
        // Direct chats: random distinct pairs, about directChatsPerUser per user.
        let directCount = Int((Double(population.users) * population.directChatsPerUser / 2).rounded())
        var pairs: Set<UInt64> = []
        var attempts = 0
        while pairs.count < directCount, attempts < directCount * 20 {
            attempts += 1
            let a = UInt32(random.index(population.users))
            let b = UInt32(random.index(population.users))
            guard a != b, pairs.insert(UInt64(min(a, b)) << 32 | UInt64(max(a, b))).inserted else { continue }
            let chat = UInt32(chatMembers.count)
            chatMembers.append([a, b])
            try emit(TraceOperation(kind: .openDirectChat, isSetup: true, phase: 1, lane: chat, user: a, argument: b, chat: chat))
        }
        // Groups: sizes skewed towards small, members drawn at random.
        let sizeRange = population.groupSizeMax - population.groupSizeMin + 1
        let sizes = ZipfTable(count: sizeRange, exponent: population.groupSizeSkew)
        for _ in 0..<population.groups {
            let size = population.groupSizeMin + sizes.draw(&random)
            var members: [UInt32] = []
            var seen: Set<UInt32> = []
            while members.count < size {
                let member = UInt32(random.index(population.users))
                if seen.insert(member).inserted { members.append(member) }
            }
            let chat = UInt32(chatMembers.count)
            chatMembers.append(members)
            try emit(TraceOperation(kind: .createGroup, isSetup: true, phase: 1, lane: chat, user: members[0], chat: chat,
                                    list: members.dropFirst().map { UInt64($0) }))
        }
        // History before the run.
        for (chat, members) in chatMembers.enumerated() {
            for _ in 0..<population.messagesPerChat {
                try emit(TraceOperation(kind: .send, isSetup: true, phase: 2, lane: UInt32(chat), user: members[random.index(members.count)],
                                        argument: bodySize(&random), chat: UInt32(chat), clientMessageID: clientID()))
            }
        }
        // Popular chats are a random few, not the first ones made.
        popularChats = (0..<UInt32(chatMembers.count)).map { $0 }
        popularChats.shuffle(using: &random)
        popularity = ZipfTable(count: popularChats.count, exponent: population.chatPopularitySkew)
    }

    // MARK: Schedule

    mutating func emitSchedule(_ random: inout SeededRandom, _ emit: (TraceOperation) throws -> Void) throws {
        var phaseStart: UInt64 = 0
        let end = scenario.duration.nanoseconds
        for (index, phase) in scenario.phases.enumerated() {
            let length = phase.duration.seconds
            var elapsed = 0.0
            while true {
                let rate = phase.rate.rate(atSeconds: elapsed, ofSeconds: length)
                if rate <= 0 {
                    elapsed += 0.01  // the rate may rise again (a ramp from zero)
                } else {
                    elapsed += phase.arrivals == .poisson ? random.exponential(mean: 1 / rate) : 1 / rate
                }
                guard elapsed < length else { break }
                guard rate > 0 else { continue }
                let time = phaseStart + UInt64(elapsed * 1e9)
                try flushPending(upTo: time, emit)
                arrive(at: time, phase: UInt8(index), mix: phase.mix, &random)
            }
            phaseStart += phase.duration.nanoseconds
        }
        try flushPending(upTo: end, emit)
    }

    /// Emits the queued session steps due by `time`, in time order, tagged with the phase they fall in.
    mutating func flushPending(upTo time: UInt64, _ emit: (TraceOperation) throws -> Void) throws {
        while let next = pending.peek, next.intendedNanos <= time {
            var operation = pending.pop()
            operation.phase = phaseIndex(at: operation.intendedNanos)
            try emit(operation)
        }
        if time >= scenario.duration.nanoseconds { pending.removeAll() }  // steps after the end are not run
    }

    func phaseIndex(at time: UInt64) -> UInt8 {
        var start: UInt64 = 0
        for (index, phase) in scenario.phases.enumerated() {
            start += phase.duration.nanoseconds
            if time < start { return UInt8(index) }
        }
        return UInt8(scenario.phases.count - 1)
    }

    mutating func schedule(_ operation: TraceOperation) {
        nextSequence += 1
        pending.push(operation, sequence: nextSequence)
    }

    mutating func popularChat(_ random: inout SeededRandom) -> UInt32 {
        popularChats[popularity.draw(&random)]
    }

    mutating func arrive(at time: UInt64, phase: UInt8, mix: Scenario.Mix, _ random: inout SeededRandom) {
        var pick = random.unit() * mix.total
        let chat = popularChat(&random)
        let members = chatMembers[Int(chat)]
        let member = members[random.index(members.count)]
        pick -= mix.newcomer
        if pick < 0 { return newcomerSession(at: time, &random) }
        pick -= mix.send
        if pick < 0 {
            let lane = lane()
            let send = TraceOperation(kind: .send, phase: phase, lane: lane, intendedNanos: time, user: member,
                                      argument: bodySize(&random), chat: chat, clientMessageID: clientID())
            schedule(send)
            if random.chance(scenario.messages.resendProbability) {
                var resend = send
                resend.intendedNanos = time + think(&random, fraction: 0.2)
                resend.isRetry = true
                schedule(resend)
            }
            return
        }
        pick -= mix.history
        if pick < 0 {
            return schedule(TraceOperation(kind: .history, phase: phase, lane: lane(), intendedNanos: time, user: member,
                                           argument: UInt32(scenario.messages.historyPageSize), chat: chat))
        }
        pick -= mix.markRead
        if pick < 0 {
            return schedule(TraceOperation(kind: .markRead, phase: phase, lane: lane(), intendedNanos: time, user: member, chat: chat))
        }
        schedule(TraceOperation(kind: .inbox, phase: phase, lane: lane(), intendedNanos: time, user: member,
                                argument: UInt32(scenario.messages.inboxPageSize)))
    }

    /// A pause between a session's steps: exponential around the scenario's think time (times `fraction`), at least 1 ms.
    func think(_ random: inout SeededRandom, fraction: Double = 1) -> UInt64 {
        UInt64(max(0.001, random.exponential(mean: scenario.newcomers.thinkTime.seconds * fraction)) * 1e9)
    }

    /// A newcomer registers (maybe twice), imports contacts, is greeted by friends in new direct chats, opens the
    /// inbox, reads the first greeting chat and replies. Every step shares the session's lane.
    mutating func newcomerSession(at start: UInt64, _ random: inout SeededRandom) {
        let settings = scenario.newcomers
        let users = scenario.population.users
        let newcomer = UInt32(users) + nextNewcomer
        nextNewcomer += 1
        let lane = lane()
        var time = start
        func step(_ kind: OperationKind, user: UInt32, argument: UInt32 = 0, chat: UInt32 = 0, clientID: UInt64 = 0,
                  retry: Bool = false, list: [UInt64] = [], pause: UInt64) {
            time += pause
            schedule(TraceOperation(kind: kind, lane: lane, intendedNanos: time, user: user, argument: argument, chat: chat,
                                    clientMessageID: clientID, isRetry: retry, list: list))
        }
        step(.register, user: newcomer, pause: 0)
        if random.chance(settings.retryProbability) {
            step(.register, user: newcomer, retry: true, pause: think(&random, fraction: 0.3))
        }
        // The address book: some registered population users, the rest numbers nobody registered.
        let registeredCount = min(users, Int((Double(settings.contactsImported) * settings.registeredFraction).rounded()))
        var friends: [UInt32] = []
        var seen: Set<UInt32> = []
        while friends.count < registeredCount {
            let friend = UInt32(random.index(users))
            if seen.insert(friend).inserted { friends.append(friend) }
        }
        var phones = friends.map { TracePhones.number(ofUser: $0) }
        for _ in registeredCount..<settings.contactsImported {
            phones.append(TracePhones.firstUnregistered + random.next() % 1_000_000_000)
        }
        phones.shuffle(using: &random)
        step(.importContacts, user: newcomer, list: phones, pause: think(&random))
        // "Say hi to your newly arrived friends."
        var greetingChats: [UInt32] = []
        for friend in friends.prefix(settings.greetings) {
            let chat = UInt32(chatMembers.count)
            chatMembers.append([friend, newcomer])
            greetingChats.append(chat)
            step(.openDirectChat, user: friend, argument: newcomer, chat: chat, pause: think(&random, fraction: 0.5))
            step(.send, user: friend, argument: bodySize(&random), chat: chat, clientID: clientID(), pause: think(&random, fraction: 0.3))
        }
        step(.inbox, user: newcomer, argument: UInt32(scenario.messages.inboxPageSize), pause: think(&random))
        guard let first = greetingChats.first else { return }
        step(.history, user: newcomer, argument: UInt32(scenario.messages.historyPageSize), chat: first, pause: think(&random, fraction: 0.3))
        step(.markRead, user: newcomer, chat: first, pause: think(&random, fraction: 0.2))
        step(.send, user: newcomer, argument: bodySize(&random), chat: first, clientID: clientID(), pause: think(&random))
    }
}

/// A binary min-heap of operations by (intended time, insertion order), so equal times keep their order.
private struct OperationHeap {
    private var items: [(key: (UInt64, UInt64), operation: TraceOperation)] = []

    var peek: TraceOperation? { items.first?.operation }

    mutating func removeAll() { items.removeAll() }

    mutating func push(_ operation: TraceOperation, sequence: UInt64) {
        items.append(((operation.intendedNanos, sequence), operation))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].key < items[parent].key else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> TraceOperation {
        let top = items[0].operation
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].key < items[smallest].key { smallest = left }
            if right < items.count, items[right].key < items[smallest].key { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
