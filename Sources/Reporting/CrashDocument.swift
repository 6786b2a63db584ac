import CrashTesting
import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// `crash.json`: one cell of the durability matrix (a backend, a durability mode, a kind of crash), what its engine
/// promises and what `surgebench crash` measured.
public struct CrashDocument: SummaryDocument, Sendable, Hashable {
    public static let currentSchemaVersion = 1
    public static let schemaName = "surgebench-crash"
    public static let kindName = "crash"

    public var schema = CrashDocument.schemaName
    public var schemaVersion = CrashDocument.currentSchemaVersion
    public var createdAt: String
    public var environment: EnvironmentInfo
    public var backend: String
    /// The durability mode in force (the backend's default when not given).
    public var mode: String
    /// The mode's durability class; nil in files from before classes were recorded and for a store without modes.
    public var durabilityClass: DurabilityClass?
    /// Options as given, secrets redacted.
    public var options: [String: String]
    public var kind: CrashKind
    /// What the power cuts left (power crashes only; nil otherwise and in files from before there were two models,
    /// which were all strict).
    public var powerModel: PowerCutModel?
    public var scenario: String
    public var scale: Double
    public var scheduleSeconds: Double
    public var seed: UInt64
    public var workers: Int
    public var crashesRequested: Int
    /// What the engine's documentation promises for this mode and kind of crash; nil when nothing is on record.
    public var promise: DurabilityPromise.Guarantee?
    public var documentation: String?
    public var outcome: CrashCampaign.Outcome

    /// The document of one crash campaign, as its pipeline returned it.
    public init(_ run: CrashRun) {
        let configuration = run.configuration
        createdAt = run.finishedAt
        environment = run.environment
        backend = configuration.descriptor.name
        mode = configuration.mode?.name ?? "-"
        durabilityClass = configuration.mode?.durabilityClass
        options = Redaction.redact(configuration.options)
        kind = configuration.kind
        powerModel = configuration.kind == .power ? configuration.powerModel : nil
        scenario = run.scenario.name
        scale = run.scale
        scheduleSeconds = run.scenario.duration.seconds
        seed = configuration.seed
        workers = configuration.workers
        crashesRequested = configuration.crashes
        promise = run.guarantee
        documentation = configuration.mode?.documentation
        outcome = run.outcome
    }

    /// The campaign's verdict on the documented promise (judged again from the recorded outcome, so that files of
    /// older builds read the same way).
    public var judgement: CrashVerdict { CrashVerdict.judge(promise, outcome: outcome) }

    /// Whether the measurement agrees with the promise: nil when nothing is promised or on record.
    public var keepsPromise: Bool? { judgement.keepsPromise }

    /// The verdict in words: a broken promise is a headline.
    public var verdict: String { judgement.text }

    /// `crash.md`: the cell as a one-row matrix, the first problems, and the files the power cut could not follow.
    public var summary: String {
        var text = "### Durability under crashes\n\n" + CrashDocument.markdown([self])
        let problems = outcome.total.problems + outcome.crashes.compactMap { crash in crash.failure.map { "crash \(crash.index + 1): \($0)" } }
        if !problems.isEmpty { text += "\nFirst problems:\n\n" + problems.map { "- \($0)" }.joined(separator: "\n") + "\n" }
        if !outcome.unmodelledFiles.isEmpty {
            text += "\nWritten through shared mappings, not modelled by the power cut: \(outcome.unmodelledFiles.joined(separator: ", "))\n"
        }
        return text
    }

    /// The kind of crash as tables show it: `power (reorder)` for a power cut under that model.
    public var crashName: String {
        kind == .power ? "\(kind.rawValue) (\((powerModel ?? .strict).rawValue))" : kind.rawValue
    }

    /// Recovery times in milliseconds, in crash order.
    public var recoveryMillis: [Double] { outcome.crashes.compactMap(\.recoveryMillis) }

    /// The durability matrix: one row per cell.
    public static func table(_ cells: [CrashDocument]) -> Table {
        let sorted = cells.sorted { ($0.backend, $0.mode, $0.crashName) < ($1.backend, $1.mode, $1.crashName) }
        let rows = sorted.map { cell -> [String] in
            let total = cell.outcome.total
            let worst = cell.outcome.crashes.map(\.check.lost).max() ?? 0
            let recovery = cell.recoveryMillis.sorted()
            // A failover whose writes never resumed within the schedule has no recovery: counted beside the others.
            let never = cell.outcome.crashes.count(where: { $0.takeoverMillis != nil && $0.recoveryMillis == nil })
            let recoveryText: String = (recovery.isEmpty ? "-" : Figures.format(median(recovery)) + " / " + Figures.format(recovery.last!))
                + (never > 0 ? " (writes never resumed in \(never))" : "")
            return [
                cell.backend, cell.mode, cell.durabilityClass?.rawValue ?? "not recorded", cell.crashName, "\(cell.outcome.crashes.count)", "\(total.acknowledgedChecked)",
                "\(total.lost) (\(worst))", "\(cell.outcome.corruptCrashes)", "\(total.inFlightKept) / \(total.inFlightDropped)",
                recoveryText, cell.promise?.rawValue ?? "-", cell.verdict,
            ]
        }
        return Table(
            caption: "Durability under crashes: each store killed mid-surge again and again (process: SIGKILL of the process owning "
                + "the data; power (strict): SIGKILL, then every file put back to its last sync; power (reorder): SIGKILL, then a seeded "
                + "half of each file's unsynced writes kept, some torn at 512-byte sectors, and unsynced directory operations undone), "
                + "reopened and checked against every write it acknowledged. Lost: acknowledged writes missing after the last crash (worst single crash). Corrupt: crashes after "
                + "which the store did not open, or contradicted itself. In flight: writes under way at the kill, found whole / absent. "
                + "Recovery: until the store answered a first read again; for a failover, until a write to the killed primary's data "
                + "succeeded on the new one (the write outage)."
                + (sorted.first.map { " Machine: \($0.environment.summary); commits: " } ?? "")
                + Set(sorted.map(\.environment.shortCommit)).sorted().joined(separator: ", ") + ".",
            header: ["backend", "mode", "class", "crash", "crashes", "acknowledged writes checked", "lost (worst crash)", "corrupt",
                     "in flight kept / dropped", "recovery p50 / max ms", "documented promise", "measured"],
            rows: rows, numeric: false)
    }

    /// One line per cell whose measurement contradicts its documented promise: the headlines.
    public static func brokenPromises(_ cells: [CrashDocument]) -> [String] {
        cells.filter { $0.keepsPromise == false }.map { "\($0.backend) durability=\($0.mode), \($0.crashName) crashes: \($0.verdict)" }
    }

    /// The matrix in Markdown: broken promises first, then the cells, the first problem of each cell that had one, and
    /// what each mode's documentation says.
    public static func markdown(_ cells: [CrashDocument]) -> String {
        let broken = brokenPromises(cells)
        let problems = firstProblems(cells)
        return (broken.isEmpty ? "" : broken.map { "**\($0)**\n\n" }.joined()) + table(cells).markdown()
            + (problems.isEmpty ? "" : "\nWhere a store did not come back or contradicted itself (the first problem):\n\n"
                + problems.map { "- \($0)\n" }.joined())
            + "\n" + promisesTable(cells).markdown()
    }

    /// For each cell whose store did not come back or contradicted itself, its first such problem.
    public static func firstProblems(_ cells: [CrashDocument]) -> [String] {
        cells.compactMap { cell in
            let crash = cell.outcome.crashes.first { $0.failure != nil || $0.check.inconsistencies > 0 }
            guard let crash, let problem = crash.failure ?? crash.check.problems.first else { return nil }
            let undone = crash.directoryOperationsUndone.flatMap { $0.isEmpty ? nil : " (the cut undid: " + $0.prefix(3).joined(separator: ", ") + ")" }
            return "\(cell.backend) durability=\(cell.mode), \(cell.crashName), crash \(crash.index + 1): \(problem)" + (undone ?? "")
        }
    }

    /// Each cell's documentation, one line per mode.
    public static func promisesTable(_ cells: [CrashDocument]) -> Table {
        var seen = Set<String>()
        var rows: [[String]] = []
        for cell in cells.sorted(by: { ($0.backend, $0.mode) < ($1.backend, $1.mode) }) where seen.insert(cell.backend + "/" + cell.mode).inserted {
            rows.append([cell.backend, cell.mode, cell.documentation ?? "-"])
        }
        return Table(caption: "What each mode's documentation promises", header: ["backend", "mode", "documentation"], rows: rows, numeric: false)
    }

    private static func median(_ sorted: [Double]) -> Double {
        sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
