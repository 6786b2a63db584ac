import Foundation
import SurgeCore
import Yams

extension Scenario {
    /// Parses and validates a scenario file's YAML; `source` names the file in error messages.
    public static func load(yaml: String, source: String) throws(BenchmarkError) -> Scenario {
        // Bounded before anything is expanded or decoded: a scenario is a page of YAML, never a YAML alias bomb.
        guard yaml.utf8.count <= maximumYAMLBytes else {
            throw BenchmarkError("scenario \(source) is \(yaml.utf8.count) bytes, more than a scenario's \(maximumYAMLBytes); is it a scenario file?")
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else { throw BenchmarkError("the file is empty") }
            var budget = maximumYAMLNodes
            try checkShape(composed, within: &budget)
            root = composed
        } catch let error as BenchmarkError {
            throw BenchmarkError("scenario \(source) is refused: \(error.message)")
        } catch {
            throw BenchmarkError("scenario \(source) is not valid YAML: \(error)")
        }
        guard root.mapping != nil else {
            throw BenchmarkError("scenario \(source) must be a YAML mapping with name, population, phases, ...")
        }
        try checkKeys(root, source: source)
        let scenario: Scenario
        do {
            scenario = try YAMLDecoder().decode(Scenario.self, from: root)
        } catch let error as BenchmarkError {
            throw BenchmarkError("scenario \(source): \(error.message)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw BenchmarkError("scenario \(source): \(path(context.codingPath + [key])) is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw BenchmarkError("scenario \(source): \(path(context.codingPath)) has the wrong type (\(context.debugDescription))")
        } catch let DecodingError.dataCorrupted(context) {
            throw BenchmarkError("scenario \(source): \(path(context.codingPath)): \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)")
        } catch {
            throw BenchmarkError("scenario \(source): \(error)")
        }
        try scenario.validate(source: source)
        return scenario
    }

    /// A large count as "5.2e+10": never a conversion that could trap.
    private func approximately(_ value: Double) -> String { String(format: "%.3g", value) }

    /// The largest scenario file and the most YAML values (aliases expanded) a scenario may hold.
    static let maximumYAMLBytes = 1 << 20
    static let maximumYAMLNodes = 100_000

    /// Refuses a tree that, aliases expanded, holds more than `budget` values (stopping as soon as it does), or that
    /// uses a sequence or a mapping as a mapping's key (no scenario key is one; YAML allows it, Swift's decoders do not).
    private static func checkShape(_ node: Node, within budget: inout Int) throws(BenchmarkError) {
        budget -= 1
        guard budget >= 0 else {
            throw BenchmarkError("it expands to more than \(maximumYAMLNodes) values (YAML aliases repeating a part many times?)")
        }
        switch node {
        case .scalar, .alias: return
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard key.scalar != nil else {
                    throw BenchmarkError("line \(key.mark.map { "\($0.line)" } ?? "?"): a key is a YAML sequence or mapping; keys must be plain names")
                }
                try checkShape(value, within: &budget)
            }
        case .sequence(let sequence):
            for element in sequence { try checkShape(element, within: &budget) }
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// Refuses keys the scenario format does not have, so that a misspelt key is not silently ignored.
    private static func checkKeys(_ root: Node, source: String) throws(BenchmarkError) {
        func check(_ node: Node?, _ allowed: Set<String>, at where_: String) throws(BenchmarkError) {
            guard let mapping = node?.mapping else { return }
            for key in mapping.keys.compactMap(\.string).sorted() where !allowed.contains(key) {
                throw BenchmarkError("scenario \(source): unknown key '\(key)' in \(where_); allowed: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        try check(root, ["name", "description", "seed", "population", "newcomers", "messages", "warmup", "cooldown", "phases", "faults",
                         "communities"],
                  at: "the top level")
        try check(root["population"], ["users", "directChatsPerUser", "groups", "groupSizeMin", "groupSizeMax", "groupSizeSkew",
                                       "chatPopularitySkew", "messagesPerChat"], at: "population")
        try check(root["newcomers"], ["contactsImported", "registeredFraction", "greetings", "retryProbability", "thinkTime"], at: "newcomers")
        try check(root["messages"], ["bodySizes", "resendProbability", "historyPageSize", "inboxPageSize"], at: "messages")
        for (index, phase) in (root["phases"]?.sequence.map(Array.init) ?? []).enumerated() {
            let name = phase["name"]?.string ?? "#\(index + 1)"
            try check(phase, ["name", "duration", "rate", "arrivals", "role", "mix"], at: "phase '\(name)'")
            try check(phase["rate"], ["shape", "from", "to", "halfLife", "at"], at: "phase '\(name)' rate")
            try check(phase["mix"], ["newcomer", "send", "history", "markRead", "inbox"], at: "phase '\(name)' mix")
        }
    }

    /// The most sessions one generated trace may hold, to catch a rate or scale typed with too many zeros.
    public static let maximumSessions = 50_000_000
    /// The highest session rate a phase may name.
    public static let maximumRate = 10_000_000.0
    /// The most users or chats a trace may number (trace numbers are 32-bit).
    public static let maximumIdentifiers: UInt32 = 1 << 31
    /// The most operations one trace may hold (about 12 GB of trace).
    public static let maximumOperations = 500_000_000

    /// Checks every figure; throws naming the scenario, the place and the bad value.
    public func validate(source: String) throws(BenchmarkError) {
        func fail(_ message: String) -> BenchmarkError { BenchmarkError("scenario \(source): \(message)") }
        func probability(_ value: Double, _ name: String) throws(BenchmarkError) {
            guard value >= 0, value <= 1 else { throw fail("\(name) must be between 0 and 1, got \(value)") }
        }
        guard !name.isEmpty, name.count <= 200 else { throw fail("name must be 1 to 200 characters long, got \(name.count)") }
        guard description.count <= 4000 else { throw fail("description must be at most 4000 characters long, got \(description.count)") }
        for fault in try parsedFaults() where fault.atSeconds >= duration.seconds {
            throw fail("fault \(fault) is at or after the end of the schedule (\(duration)); faults must fall inside it")
        }
        guard population.users >= 2, population.users <= 10_000_000 else {
            throw fail("population.users must be from 2 to 10000000, got \(population.users)")
        }
        if let communities {
            guard communities >= 1, communities <= 65_536, communities <= population.users / 2 else {
                throw fail("communities must be from 1 to 65536 and leave each at least 2 users (population.users / 2 = \(population.users / 2)), got \(communities)")
            }
        }
        guard population.groups <= 1_000_000 else { throw fail("population.groups must be at most 1000000, got \(population.groups)") }
        guard population.directChatsPerUser >= 0, population.directChatsPerUser <= 1000 else {
            throw fail("population.directChatsPerUser must be from 0 to 1000, got \(population.directChatsPerUser)")
        }
        guard population.groups >= 0 else { throw fail("population.groups must not be negative, got \(population.groups)") }
        guard population.groupSizeMin >= 2, population.groupSizeMin <= population.groupSizeMax else {
            throw fail("population.groupSizeMin must be at least 2 and at most groupSizeMax, got \(population.groupSizeMin)...\(population.groupSizeMax)")
        }
        guard population.groups == 0 || population.groupSizeMax <= population.users else {
            throw fail("population.groupSizeMax (\(population.groupSizeMax)) cannot exceed population.users (\(population.users))")
        }
        guard population.groupSizeSkew >= 0, population.chatPopularitySkew >= 0 else {
            throw fail("population skews must not be negative")
        }
        guard population.messagesPerChat >= 0, population.messagesPerChat <= 10_000 else {
            throw fail("population.messagesPerChat must be from 0 to 10000, got \(population.messagesPerChat)")
        }
        guard newcomers.contactsImported >= 0, newcomers.contactsImported <= 10_000 else {
            throw fail("newcomers.contactsImported must be from 0 to 10000, got \(newcomers.contactsImported)")
        }
        try probability(newcomers.registeredFraction, "newcomers.registeredFraction")
        try probability(newcomers.retryProbability, "newcomers.retryProbability")
        try probability(messages.resendProbability, "messages.resendProbability")
        guard newcomers.greetings >= 0, newcomers.greetings <= 100 else {
            throw fail("newcomers.greetings must be from 0 to 100, got \(newcomers.greetings)")
        }
        guard !messages.bodySizes.isEmpty else { throw fail("messages.bodySizes must list at least one size") }
        for size in messages.bodySizes {
            guard size.bytes >= 0, size.bytes <= 256 * 1024, size.weight > 0 else {
                throw fail("messages.bodySizes: bytes must be 0...262144 and weight positive, got \(size.bytes) bytes weight \(size.weight)")
            }
        }
        guard messages.historyPageSize >= 1, messages.inboxPageSize >= 1 else { throw fail("page sizes must be at least 1") }
        guard !phases.isEmpty else { throw fail("phases must list at least one phase") }
        guard phases.count < 200 else { throw fail("at most 199 phases, got \(phases.count)") }
        guard phases.contains(where: { $0.role == .baseline }) else {
            throw fail("one phase must have role: baseline (its p99 is the yardstick for the surge)")
        }
        for phase in phases {
            func failPhase(_ message: String) -> BenchmarkError { fail("phase '\(phase.name)': \(message)") }
            guard phase.duration.nanoseconds > 0 else { throw failPhase("duration must be positive") }
            let rate = phase.rate
            for value in [rate.from] + (rate.to.map { [$0] } ?? []) {
                guard value >= 0, value <= Self.maximumRate else {
                    throw failPhase("rate must be from 0 to \(approximately(Self.maximumRate)) sessions/s, got \(value)")
                }
            }
            if rate.shape != .constant, rate.to == nil { throw failPhase("a \(rate.shape.rawValue) rate needs 'to'") }
            if let at = rate.at, at > phase.duration { throw failPhase("rate.at (\(at)) is after the phase ends (\(phase.duration))") }
            let weights = [phase.mix.newcomer, phase.mix.send, phase.mix.history, phase.mix.markRead, phase.mix.inbox]
            guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), phase.mix.total > 0 else {
                throw failPhase("mix weights must be zero or positive with at least one above zero")
            }
        }
        let sessions = sessionBound
        guard sessions > 0 else { throw fail("every phase's rate is zero: nothing would run; give a phase a rate above zero") }
        guard duration <= TimeSpan.maximum else {
            throw fail("the phases last \(duration), more than a week; shorten them or give --duration")
        }
        guard warmup.nanoseconds + cooldown.nanoseconds < duration.nanoseconds else {
            throw fail("warmup (\(warmup)) and cooldown (\(cooldown)) leave nothing of the \(duration) schedule to measure")
        }
        guard sessions <= Double(Self.maximumSessions) else {
            throw fail("would generate up to \(approximately(sessions)) sessions, more than \(Self.maximumSessions); lower the rates, --scale or --duration")
        }
        let chats = chatBound
        guard Double(population.users) + sessions < Double(Self.maximumIdentifiers), chats < Double(Self.maximumIdentifiers) else {
            throw fail("would make up to \(approximately(Double(population.users) + sessions)) users and \(approximately(chats)) chats, more than "
                + "\(approximately(Double(Self.maximumIdentifiers))); lower population.users, directChatsPerUser, greetings, the rates or --scale")
        }
        let operations = operationBound
        guard operations <= Double(Self.maximumOperations) else {
            throw fail("would generate up to \(approximately(operations)) operations (a trace of about \(approximately(operations * 25)) bytes), more than "
                + "\(approximately(Double(Self.maximumOperations))); lower messagesPerChat, the population, the rates, --scale or --duration")
        }
    }

    /// The population's chats (an estimate, known before anything is generated).
    var populationChatBound: Double { Double(population.users) * population.directChatsPerUser / 2 + Double(population.groups) }
    /// At most how many chats the trace makes.
    var chatBound: Double { populationChatBound + sessionBound * Double(newcomers.greetings) }
    /// At most how many operations the trace holds: each user, chat and message of the population is one setup
    /// operation; a session is at most 10 operations plus its greetings.
    public var operationBound: Double {
        Double(population.users) + populationChatBound * Double(1 + population.messagesPerChat) + sessionBound * Double(10 + 2 * newcomers.greetings)
    }

    /// This scenario with population and rates multiplied by `scale` and, when `targetDuration` is given, every
    /// time span compressed or stretched so that the phases last that long.
    public func scaled(by scale: Double, toDuration targetDuration: TimeSpan? = nil) throws(BenchmarkError) -> Scenario {
        guard scale > 0, scale.isFinite, scale <= 1000 else { throw BenchmarkError("--scale must be above 0 and at most 1000, got \(scale)") }
        var result = self
        result.population.users = max(2, Int((Double(population.users) * scale).rounded()))
        result.population.groups = Int((Double(population.groups) * scale).rounded())
        result.population.groupSizeMax = min(population.groupSizeMax, result.population.users)
        result.population.groupSizeMin = min(population.groupSizeMin, result.population.groupSizeMax)
        for index in result.phases.indices {
            result.phases[index].rate.from *= scale
            result.phases[index].rate.to = result.phases[index].rate.to.map { $0 * scale }
        }
        if let targetDuration {
            guard targetDuration.nanoseconds >= 1_000_000_000 else { throw BenchmarkError("--duration must be at least 1s, got \(targetDuration)") }
            let factor = targetDuration.seconds / duration.seconds
            func stretch(_ span: TimeSpan) -> TimeSpan { TimeSpan(seconds: span.seconds * factor) }
            result.warmup = stretch(warmup)
            result.cooldown = stretch(cooldown)
            result.newcomers.thinkTime = stretch(newcomers.thinkTime)
            for index in result.phases.indices {
                result.phases[index].duration = stretch(phases[index].duration)
                result.phases[index].rate.halfLife = phases[index].rate.halfLife.map(stretch)
                result.phases[index].rate.at = phases[index].rate.at.map(stretch)
            }
            if faults != nil {
                result.faults = try parsedFaults().map { fault in
                    var stretched = fault
                    stretched.atSeconds *= factor
                    return stretched.description
                }
            }
        }
        try result.validate(source: "'\(name)' after --scale/--duration")
        return result
    }

    /// The scenario's faults, parsed; throws naming the one that is malformed.
    public func parsedFaults() throws(BenchmarkError) -> [StoreFault] {
        var parsed: [StoreFault] = []
        for text in faults ?? [] {
            do throws(BenchmarkError) { parsed.append(try StoreFault(parsing: text)) } catch { throw BenchmarkError("faults: \(error.message)") }
        }
        return parsed
    }

    /// The scenario as YAML, as a user would write it.
    public func yaml() -> String {
        (try? YAMLEncoder().encode(self)) ?? ""
    }
}
