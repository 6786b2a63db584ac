/// One community of a trace: its users, chats, history and sessions, drawn from its own random stream (seeded from
/// the trace's seed and the community's number), so that it depends on no other community, on how many are
/// generated, or on which thread generates it.
///
/// Identifiers interleave: the community's `i`th user, chat, lane and client message id are `i * count + community`
/// (newcomers after the population's users, client ids from 1), so every community's numbers are global and distinct.
struct CommunityGenerator {
    let scenario: Scenario
    let community: UInt32
    let count: UInt32
    /// Where each phase ends, from the start of the schedule.
    let phaseEnds: [UInt64]
    private var random: SeededRandom
    /// Members of the population's chats, by local chat number (newcomers' greeting chats come after them): chat
    /// i's are `members[memberStarts[i]..<memberStarts[i + 1]]`, one flat array so that drawing one copies nothing.
    private var members: [UInt32] = []
    private var memberStarts: [UInt32] = [0]  // 32 bits: half the cache lines of Int
    private var populationChats: Int { memberStarts.count - 1 }
    /// Each phase's mix of sessions.
    private let mixes: [Scenario.Mix]
    /// Each phase's arrival process, without the phase's names (copying those would touch reference counts).
    private let arrivalPhases: [(rate: RateCurve, seconds: Double, nanoseconds: UInt64, poisson: Bool)]
    /// Chats made so far, the population's and the greeting chats.
    private var chatCount = 0
    private let localUsers: Int
    /// `localUsers` as a divisor, for drawing users without a division.
    private let userDivisor: Divisor
    private var nextLane: UInt64 = 0
    private var nextClientID: UInt64 = 0
    private var nextNewcomer: UInt64 = 0
    private var nextSequence: UInt64 = 0
    private var pending = OperationHeap()
    /// The lists of operations not yet handed on (contact lists, group members), by slot - 1; emptied slots are reused.
    private var lists: [[UInt64]] = []
    private var freeListSlots: [UInt32] = []
    /// One bit a local user, set while a newcomer's friends are drawn (all clear between sessions).
    private var drawnFriends: [UInt64]
    private let zipfTables: ZipfTableCache
    private var popularity = ZipfTable(count: 1, exponent: 1)
    private var popularChats: [UInt32] = []
    private let bodySizes: [Int]
    private let bodyWeights: [Double]
    // The arrival process: where it stands in the schedule, and its next arrival.
    private var phase = 0
    private var elapsed = 0.0
    private var phaseStart: UInt64 = 0
    private var firstInPhase = true
    private var nextArrival: (time: UInt64, phase: Int)?

    init(scenario: Scenario, seed: UInt64, community: UInt32, count: UInt32, phaseEnds: [UInt64], zipfTables: ZipfTableCache) {
        self.scenario = scenario
        self.zipfTables = zipfTables
        self.community = community
        self.count = count
        self.phaseEnds = phaseEnds
        var seeder = SeededRandom(seed: seed ^ (UInt64(community) &+ 1) &* 0xD1B5_4A32_D192_ED03)
        random = SeededRandom(seed: seeder.next())
        let users = scenario.population.users
        localUsers = users / Int(count) + (Int(community) < users % Int(count) ? 1 : 0)
        userDivisor = Divisor(max(localUsers, 1))
        bodySizes = scenario.messages.bodySizes.map(\.bytes)
        mixes = scenario.phases.map(\.mix)
        arrivalPhases = scenario.phases.map { ($0.rate, $0.duration.seconds, $0.duration.nanoseconds, $0.arrivals == .poisson) }
        drawnFriends = [UInt64](repeating: 0, count: (localUsers + 63) / 64)
        var running = 0.0
        bodyWeights = scenario.messages.bodySizes.map { running += $0.weight; return running }
    }

    // MARK: Numbering

    func user(local: Int) -> UInt32 { UInt32(local) * count + community }
    private func chat(local: Int) -> UInt32 { UInt32(local) * count + community }

    private mutating func lane() -> UInt32 {
        defer { nextLane += 1 }
        return UInt32(truncatingIfNeeded: nextLane &* UInt64(count) &+ UInt64(community))  // only its identity matters
    }

    private mutating func clientID() -> UInt64 {
        defer { nextClientID += 1 }
        return nextClientID * UInt64(count) + UInt64(community) + 1
    }

    private mutating func bodySize() -> UInt32 {
        let target = random.unit() * bodyWeights[bodyWeights.count - 1]
        return UInt32(bodySizes[bodyWeights.firstIndex { $0 > target } ?? bodySizes.count - 1])
    }

    /// An operation of this community. Give it values, not calls of mutating methods (`lane()`, `bodySize()`): those
    /// inside its arguments make Swift copy the whole generator, its heap of pending steps included, for the call.
    private func operation(_ kind: OperationKind, setupStage: UInt8? = nil, lane: UInt32, time: UInt64 = 0, user: UInt32,
                           argument: UInt32 = 0, chat: UInt32 = 0, clientID: UInt64 = 0, retry: Bool = false, listSlot: UInt32 = 0) -> PlannedOperation {
        PlannedOperation(kind: kind, isSetup: setupStage != nil, isRetry: retry, phase: setupStage ?? 0, community: community, lane: lane,
                         intendedNanos: time, user: user, argument: argument, chat: chat, clientMessageID: clientID, listSlot: listSlot)
    }

    // MARK: Lists

    /// Keeps `list` until its operation is handed on (``takeList(_:)``); returns its slot (1-based).
    private mutating func storeList(_ list: [UInt64]) -> UInt32 {
        if let free = freeListSlots.popLast() {
            lists[Int(free) - 1] = list
            return free
        }
        lists.append(list)
        return UInt32(lists.count)
    }

    /// The list in `slot`, which becomes free.
    mutating func takeList(_ slot: UInt32) -> [UInt64] {
        var list: [UInt64] = []
        swap(&list, &lists[Int(slot) - 1])
        freeListSlots.append(slot)
        return list
    }

    // MARK: Population

    /// Draws the community's direct chats and groups; returns their setup operations (stage 1).
    mutating func makeChats() -> [PlannedOperation] {
        let population = scenario.population
        var operations: [PlannedOperation] = []
        // Direct chats: random distinct pairs, about directChatsPerUser per user.
        let directCount = Int((Double(localUsers) * population.directChatsPerUser / 2).rounded())
        var pairs: Set<UInt64> = []
        var attempts = 0
        while pairs.count < directCount, attempts < directCount * 20 {
            attempts += 1
            let a = user(local: random.index(userDivisor))
            let b = user(local: random.index(userDivisor))
            guard a != b, pairs.insert(UInt64(min(a, b)) << 32 | UInt64(max(a, b))).inserted else { continue }
            let chat = chat(local: populationChats)
            addChat(members: [a, b])
            operations.append(operation(.openDirectChat, setupStage: 1, lane: chat, user: a, argument: b, chat: chat))
        }
        // Groups: the community's share, sizes skewed towards small, members drawn at random.
        let groups = population.groups / Int(count) + (Int(community) < population.groups % Int(count) ? 1 : 0)
        let sizes = zipfTables.table(count: population.groupSizeMax - population.groupSizeMin + 1, exponent: population.groupSizeSkew)
        for _ in 0..<groups {
            let size = min(localUsers, population.groupSizeMin + sizes.draw(&random))
            var group: [UInt32] = []
            var seen: Set<UInt32> = []
            while group.count < size {
                let member = user(local: random.index(userDivisor))
                if seen.insert(member).inserted { group.append(member) }
            }
            let chat = chat(local: populationChats)
            addChat(members: group)
            let others = storeList(group.dropFirst().map { UInt64($0) })
            operations.append(operation(.createGroup, setupStage: 1, lane: chat, user: group[0], chat: chat, listSlot: others))
        }
        chatCount = populationChats
        return operations
    }

    private mutating func addChat(members chatMembers: [UInt32]) {
        members += chatMembers
        memberStarts.append(UInt32(members.count))
    }

    /// A member of local chat `local` drawn at random; nil for a chat without members.
    private mutating func randomMember(ofChat local: Int) -> UInt32? {
        let start = Int(memberStarts[local])
        let count = Int(memberStarts[local + 1]) - start
        return count == 0 ? nil : members[start + random.index(count)]
    }

    /// Draws the history the chats hold before the run (setup stage 2), then which chats are popular.
    mutating func makeHistory() -> [PlannedOperation] {
        var operations: [PlannedOperation] = []
        for local in 0..<populationChats {
            let chat = chat(local: local)
            for _ in 0..<scenario.population.messagesPerChat {
                guard let sender = randomMember(ofChat: local) else { continue }
                let (size, clientID) = (bodySize(), clientID())
                operations.append(operation(.send, setupStage: 2, lane: chat, user: sender, argument: size, chat: chat, clientID: clientID))
            }
        }
        // Popular chats are a random few, not the first ones made.
        popularChats = (0..<populationChats).map { chat(local: $0) }
        popularChats.shuffle(using: &random)
        popularity = zipfTables.table(count: popularChats.count, exponent: scenario.population.chatPopularitySkew)
        drawNextArrival()
        return operations
    }

    // MARK: Schedule

    /// Appends, in intended-time order, the community's scheduled operations due before `end` (a session's later
    /// steps wait in a heap until their time comes). Steps after the schedule's end are dropped.
    mutating func advance(until end: UInt64, into buffer: inout [PlannedOperation]) {
        while true {
            let arrival = nextArrival?.time ?? .max
            if let next = pending.peekTime, next <= arrival, next < end {
                let step = pending.pop()  // popped before the call: `emit(pending.pop())` would copy self, heap and all
                emit(step, into: &buffer)
                continue
            }
            guard let due = nextArrival, due.time < end else { return }
            arrive(at: due.time, phase: due.phase)
            drawNextArrival()
        }
    }

    private func emit(_ step: PlannedOperation, into buffer: inout [PlannedOperation]) {
        guard step.intendedNanos <= phaseEnds.last ?? 0 else { return }
        var step = step
        step.phase = phaseIndex(at: step.intendedNanos)
        buffer.append(step)
    }

    /// The community's share of each phase's rate: arrivals `count` times sparser, so that the communities together
    /// arrive at the scenario's rate (evenly spaced arrivals are staggered by community).
    private mutating func drawNextArrival() {
        while phase < arrivalPhases.count {
            let current = arrivalPhases[phase]
            let rate = current.rate.rate(atSeconds: elapsed, ofSeconds: current.seconds) / Double(count)
            if rate <= 0 {
                elapsed += 0.01  // the rate may rise again (a ramp from zero)
            } else if current.poisson {
                elapsed += random.exponential(mean: 1 / rate)
            } else {
                elapsed += firstInPhase ? Double(community + 1) / Double(count) / rate : 1 / rate
                firstInPhase = false
            }
            if elapsed >= current.seconds {
                phaseStart += current.nanoseconds
                phase += 1
                elapsed = 0
                firstInPhase = true
                continue
            }
            if rate > 0 {
                nextArrival = (phaseStart + UInt64(elapsed * 1e9), phase)
                return
            }
        }
        nextArrival = nil
    }

    private func phaseIndex(at time: UInt64) -> UInt8 {
        UInt8(phaseEnds.firstIndex { time < $0 } ?? phaseEnds.count - 1)
    }

    private mutating func schedule(_ operation: PlannedOperation) {
        nextSequence += 1
        pending.push(operation, sequence: nextSequence)
    }

    private mutating func arrive(at time: UInt64, phase: Int) {
        let mix = mixes[phase]
        var pick = random.unit() * mix.total
        let chat = popularChats.isEmpty ? 0 : popularChats[popularity.draw(&random)]
        let drawn = populationChats == 0 ? nil : randomMember(ofChat: Int(chat / count))
        let member = drawn ?? user(local: 0)
        pick -= mix.newcomer
        if pick < 0 || drawn == nil { return newcomerSession(at: time) }
        let phase = UInt8(phase)
        let lane = lane()
        pick -= mix.send
        if pick < 0 {
            let (size, clientID) = (bodySize(), clientID())
            var send = operation(.send, lane: lane, time: time, user: member, argument: size, chat: chat, clientID: clientID)
            send.phase = phase
            schedule(send)
            if random.chance(scenario.messages.resendProbability) {
                send.intendedNanos = time + think(fraction: 0.2)
                send.isRetry = true
                schedule(send)
            }
            return
        }
        pick -= mix.history
        if pick < 0 {
            return schedule(operation(.history, lane: lane, time: time, user: member, argument: UInt32(scenario.messages.historyPageSize), chat: chat))
        }
        pick -= mix.markRead
        if pick < 0 { return schedule(operation(.markRead, lane: lane, time: time, user: member, chat: chat)) }
        schedule(operation(.inbox, lane: lane, time: time, user: member, argument: UInt32(scenario.messages.inboxPageSize)))
    }

    /// A pause between a session's steps: exponential around the scenario's think time (times `fraction`), at least 1 ms.
    private mutating func think(fraction: Double = 1) -> UInt64 {
        UInt64(max(0.001, random.exponential(mean: scenario.newcomers.thinkTime.seconds * fraction)) * 1e9)
    }

    /// A newcomer registers (maybe twice), imports contacts, is greeted by friends of the community in new direct
    /// chats, opens the inbox, reads the first greeting chat and replies. Every step shares the session's lane.
    private mutating func newcomerSession(at start: UInt64) {
        let settings = scenario.newcomers
        let newcomer = UInt32(scenario.population.users) + UInt32(nextNewcomer) * count + community
        nextNewcomer += 1
        let lane = lane()
        var time = start
        func step(_ kind: OperationKind, user: UInt32, argument: UInt32 = 0, chat: UInt32 = 0, clientID: UInt64 = 0,
                  retry: Bool = false, list: [UInt64] = [], pause: UInt64) {
            time += pause
            let slot = list.isEmpty ? 0 : storeList(list)
            schedule(operation(kind, lane: lane, time: time, user: user, argument: argument, chat: chat, clientID: clientID, retry: retry, listSlot: slot))
        }
        step(.register, user: newcomer, pause: 0)
        if random.chance(settings.retryProbability) {
            step(.register, user: newcomer, retry: true, pause: think(fraction: 0.3))
        }
        // The address book: some registered users of the community, the rest numbers nobody registered.
        let registeredCount = min(localUsers, Int((Double(settings.contactsImported) * settings.registeredFraction).rounded()))
        var friends: [UInt32] = []
        var drawn: [UInt64] = []
        swap(&drawn, &drawnFriends)  // taken out while the loop below draws from self
        while friends.count < registeredCount {
            let local = random.index(userDivisor)
            let bit: UInt64 = 1 << (local & 63)
            if drawn[local >> 6] & bit == 0 {
                drawn[local >> 6] |= bit
                friends.append(user(local: local))
            }
        }
        for index in drawn.indices { drawn[index] = 0 }
        swap(&drawn, &drawnFriends)
        var phones = friends.map { TracePhones.number(ofUser: $0) }
        for _ in registeredCount..<max(registeredCount, settings.contactsImported) {
            phones.append(TracePhones.firstUnregistered + random.next() % 1_000_000_000)
        }
        phones.shuffle(using: &random)
        step(.importContacts, user: newcomer, list: phones, pause: think())
        // "Say hi to your newly arrived friends."
        var firstGreeting: UInt32?
        for friend in friends.prefix(settings.greetings) {
            let chat = chat(local: chatCount)
            chatCount += 1
            firstGreeting = firstGreeting ?? chat
            step(.openDirectChat, user: friend, argument: newcomer, chat: chat, pause: think(fraction: 0.5))
            step(.send, user: friend, argument: bodySize(), chat: chat, clientID: clientID(), pause: think(fraction: 0.3))
        }
        step(.inbox, user: newcomer, argument: UInt32(scenario.messages.inboxPageSize), pause: think())
        guard let first = firstGreeting else { return }
        step(.history, user: newcomer, argument: UInt32(scenario.messages.historyPageSize), chat: first, pause: think(fraction: 0.3))
        step(.markRead, user: newcomer, chat: first, pause: think(fraction: 0.2))
        step(.send, user: newcomer, argument: bodySize(), chat: first, clientID: clientID(), pause: think())
    }
}
