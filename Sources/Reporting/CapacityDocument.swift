import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// `capacity.json`: the highest sustainable rate one backend reached under an SLO, with every trial behind it.
public struct CapacityDocument: SummaryDocument, Sendable, Hashable {
    public static let currentSchemaVersion = 1
    public static let schemaName = "surgebench-capacity"
    public static let kindName = "capacity"

    public var schema = CapacityDocument.schemaName
    public var schemaVersion = CapacityDocument.currentSchemaVersion
    public var createdAt: String
    public var environment: EnvironmentInfo
    public var backend: String
    /// As given, secrets redacted.
    public var options: [String: String]
    public var durability: String?
    public var commit: String?
    /// The class of the durability mode (`none` for a reference); nil in files from before classes were recorded.
    public var durabilityClass: DurabilityClass?
    public var scenario: String
    /// The phase whose mix was offered, and the newcomer share of its sessions.
    public var phase: String
    public var newcomerShare: Double
    public var scale: Double
    public var workers: Int
    public var slo: CapacitySearch.SLO
    public var trialSeconds: Double
    /// The highest rate that passed (twice), in sessions and operations per second.
    public var capacitySessionsPerSecond: Double
    public var capacityOpsPerSecond: Double
    public var operationsPerSession: Double
    public var trials: [CapacitySearch.Trial]

    /// The document of one capacity search, as its pipeline returned it.
    public init(_ outcome: CapacitySearch.Outcome) {
        let search = outcome.search
        let phase = outcome.phase
        createdAt = outcome.finishedAt
        environment = outcome.environment
        backend = search.descriptor.name
        options = Redaction.redact(search.options.values)
        durability = outcome.settings.durability?.name
        commit = outcome.settings.commit?.rawValue
        durabilityClass = outcome.settings.durabilityClass
        scenario = search.base.name
        self.phase = phase.name
        newcomerShare = phase.mix.newcomer / phase.mix.total
        scale = search.scale
        workers = search.workers
        slo = search.slo
        trialSeconds = search.trialSeconds
        capacitySessionsPerSecond = outcome.capacity.sessionsPerSecond
        capacityOpsPerSecond = outcome.capacity.offeredOpsPerSecond
        operationsPerSession = outcome.capacity.offeredOpsPerSecond / outcome.capacity.sessionsPerSecond
        trials = outcome.trials
    }

    /// `capacity.md`: the answer, the trials and the sizing it implies.
    public var summary: String {
        "### Capacity of \(backend) under \(slo)\n\n"
            + String(format: "%.0f operations/s (%.1f sessions/s of %@ phase '%@').\n\n", capacityOpsPerSecond, capacitySessionsPerSecond,
                     scenario, phase)
            + trialsTable.markdown() + "\n" + SizingTable.tables([self]).map { $0.markdown() }.joined(separator: "\n")
    }

    /// The trials as a table.
    public var trialsTable: Table {
        Table(caption: "\(backend) (\(StoreSettings.label(durability: durability, commit: commit)), class \(classLabel)) trials (\(slo), \(Figures.format(trialSeconds)) s each, in the order run; machine: "
                  + "\(environment.summary); commit \(environment.shortCommit)):",
              header: ["sessions/s", "offered ops/s", "achieved ops/s", "\(slo.percentileLabel) ms", "backlog at end", "result"],
              rows: trials.map { trial in
                  [Figures.format(trial.sessionsPerSecond), Figures.format(trial.offeredOpsPerSecond),
                   Figures.format(trial.achievedOpsPerSecond), Figures.format(trial.percentileMs), "\(trial.backlogAtEnd)",
                   trial.passed ? "pass" : "fail: \(trial.reason)"]
              })
    }
}

extension CapacityDocument {
    /// The class as a table shows it.
    var classLabel: String {
        ClassedColumns.label(.init(name: backend, durabilityClass: durabilityClass, isReference: durability == nil, mode: durability))
    }
}

/// How many nodes of each backend would absorb the October 2021 surge at full scale: one table per durability class,
/// so that no row is read against a store that keeps another promise.
public enum SizingTable {
    /// Telegram's newcomers per second inside the outage window: 70 M in 19,500 to 21,600 s (SURGE_FACTS.md).
    public static let surgeRegistrationsPerSecond = (low: 3_300.0, high: 3_600.0)

    /// One table per class (the reference's and unrecorded classes last), each naming its class.
    public static func tables(_ capacities: [CapacityDocument]) -> [Table] {
        let labels = capacities.map(\.classLabel).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let order = DurabilityClass.allCases.reversed().map(\.rawValue)
        return labels.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }.map { label in
            table(capacities.filter { $0.classLabel == label }, classLabel: label)
        }
    }

    static func table(_ capacities: [CapacityDocument], classLabel: String) -> Table {
        let rows = capacities.map { capacity -> [String] in
            let share = max(capacity.newcomerShare, 1e-9)
            func demand(_ registrations: Double) -> Double { registrations / share * capacity.operationsPerSession }
            let low = demand(surgeRegistrationsPerSecond.low)
            let high = demand(surgeRegistrationsPerSecond.high)
            let nodesLow = Int((low / capacity.capacityOpsPerSecond).rounded(.up))
            let nodesHigh = Int((high / capacity.capacityOpsPerSecond).rounded(.up))
            return [
                "\(capacity.backend) (\(StoreSettings.label(durability: capacity.durability, commit: capacity.commit)))",
                capacity.slo.description, Figures.format(capacity.capacityOpsPerSecond), cpuAtCapacity(capacity),
                "\(Figures.format(low / 1000))k to \(Figures.format(high / 1000))k", nodesLow == nodesHigh ? "\(nodesLow)" : "\(nodesLow) to \(nodesHigh)",
            ]
        }
        return Table(
            caption: "Durability class \(classLabel): nodes (each one machine like the one measured) to absorb 3,300-3,600 registrations/s, Telegram's rate inside the "
                + "outage window of 4 Oct 2021, with the messaging around them in the proportion of the measured phase's mix. "
                + "Assumes users and chats shard perfectly (no cross-node operation), existing users' activity grows with the "
                + "newcomers as in the scenario, and each node sustains its measured capacity; no headroom, replication or failover is added. "
                + "A node runs the store (its servers, standby and replicas included) and its share of the clients: SurgeBench's "
                + "generator ran on the same machine, so its capacity is what the store and the clients' share sustained together; "
                + "the CPU column gives both per operation at that rate, the client's part first (an in-process store's cost is all in it).",
            header: ["backend", "SLO", "capacity ops/s per node", "CPU µs / op at capacity (client + server)", "demand ops/s", "nodes"], rows: rows)
    }

    /// The capacity trial's CPU per operation, the client's and the servers' parts where there are servers.
    static func cpuAtCapacity(_ capacity: CapacityDocument) -> String {
        let trial = capacity.trials.last { $0.passed && $0.sessionsPerSecond == capacity.capacitySessionsPerSecond }
        guard let whole = trial?.cpuMicrosPerOperation else { return "-" }
        guard let server = trial?.serverCPUMicrosPerOperation else { return Figures.format(whole) }
        return "\(Figures.format(whole)) (\(Figures.format(whole - server)) + \(Figures.format(server)))"
    }
}
