import Foundation
import SurgeCore

/// What every operation of a trace of `scenario` must stay within, derived from its header: the phases and their
/// length, the communities, the highest user and chat numbers the generator can reach (with a wide margin for
/// random variation), the lists' lengths and the sizes named. The reader refuses any operation outside them, so that a
/// trace with valid checksums but impossible contents (a hostile or buggy writer) never reaches the replay.
struct TraceLimits {
    let phaseCount: Int
    let durationNanos: UInt64
    let communityCount: UInt32
    let shard: Shard
    let highestUser: UInt64
    let highestChat: UInt64
    let contactsImported: Int
    let groupMembers: Int
    let bodySizes: Set<UInt32>
    let pageSizes: Set<UInt32>

    init(scenario: Scenario, shard: Shard) {
        phaseCount = scenario.phases.count
        durationNanos = scenario.duration.nanoseconds
        communityCount = UInt32(clamping: scenario.communityCount)
        self.shard = shard
        let communities = Double(communityCount)
        let sessions = scenario.sessionBound
        // A community's arrivals are Poisson with a mean of sessions / communities: ten standard deviations above it.
        let perCommunity = sessions / communities + 10 * (sessions / communities).squareRoot() + 100
        let population = scenario.population
        let usersPerCommunity = Double(population.users) / communities + 1
        highestUser = UInt64(clamping: Int(Double(population.users) + communities * perCommunity))
        let chatsPerCommunity = usersPerCommunity * population.directChatsPerUser / 2 + 1 + Double(population.groups) / communities + 1
            + Double(scenario.newcomers.greetings) * perCommunity
        highestChat = UInt64(min(Double(UInt32.max), communities * chatsPerCommunity + communities))
        contactsImported = scenario.newcomers.contactsImported
        groupMembers = population.groupSizeMax
        bodySizes = Set(scenario.messages.bodySizes.map { UInt32($0.bytes) })
        pageSizes = [UInt32(scenario.messages.historyPageSize), UInt32(scenario.messages.inboxPageSize)]
    }

    /// Throws naming the field of `operation` that no trace of the scenario can hold.
    func check(_ operation: TraceOperation, setupStage: inout UInt8?, scheduleBegan: inout Bool) throws(BenchmarkError) {
        func refuse(_ what: String) -> BenchmarkError { BenchmarkError("\(operation.kind) operation: \(what)") }
        guard operation.community < communityCount else {
            throw refuse("community \(operation.community) is beyond the scenario's \(communityCount)")
        }
        guard shard.contains(community: operation.community) else {
            throw refuse("community \(operation.community) is not in the trace's shard \(shard)")
        }
        if operation.isSetup {
            guard !scheduleBegan, operation.phase <= 2, operation.phase >= (setupStage ?? 0) else {
                throw refuse("setup stage \(operation.phase) out of order (after stage \(setupStage.map { "\($0)" } ?? "none")\(scheduleBegan ? " and the schedule" : ""))")
            }
            guard operation.intendedNanos == 0 else { throw refuse("a setup operation is scheduled at \(operation.intendedNanos) ns") }
            guard operation.kind != .importContacts else { throw refuse("contacts are never imported in setup") }
            setupStage = operation.phase
        } else {
            scheduleBegan = true
            guard Int(operation.phase) < phaseCount else { throw refuse("phase \(operation.phase) is beyond the scenario's \(phaseCount) phases") }
            guard operation.intendedNanos <= durationNanos else {
                throw refuse("intended time \(operation.intendedNanos) ns is after the schedule's end (\(durationNanos) ns)")
            }
            guard operation.kind != .createGroup else { throw refuse("groups are made in setup only") }
        }
        guard UInt64(operation.user) <= highestUser else { throw refuse("user \(operation.user) is beyond the scenario's users (at most \(highestUser))") }
        let namesChat = operation.kind != .register && operation.kind != .importContacts && operation.kind != .inbox
        guard namesChat ? UInt64(operation.chat) <= highestChat : operation.chat == 0 else {
            throw refuse("chat \(operation.chat) is beyond the scenario's chats (at most \(highestChat))")
        }
        switch operation.kind {
        case .send:
            guard bodySizes.contains(operation.bodyBytes) else { throw refuse("a body of \(operation.bodyBytes) bytes, a size the scenario does not have") }
        case .history, .inbox:
            guard pageSizes.contains(operation.pageSize) else { throw refuse("a page of \(operation.pageSize), a size the scenario does not have") }
        case .openDirectChat:
            guard UInt64(operation.otherUser) <= highestUser else { throw refuse("user \(operation.otherUser) is beyond the scenario's users") }
        case .register, .importContacts, .createGroup, .markRead:
            guard operation.argument == 0 else { throw refuse("argument \(operation.argument) where none belongs") }
        }
        switch operation.kind {
        case .importContacts:
            guard operation.list.count <= contactsImported else { throw refuse("\(operation.list.count) contacts, more than the scenario's \(contactsImported)") }
        case .createGroup:
            guard !operation.list.isEmpty, operation.list.count < groupMembers, operation.list.allSatisfy({ $0 <= highestUser }) else {
                throw refuse("a group of \(operation.list.count + 1) members or a member beyond the scenario's users")
            }
        default:
            guard operation.list.isEmpty else { throw refuse("a list of \(operation.list.count) items where none belongs") }
        }
    }
}
