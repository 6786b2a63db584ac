import Foundation
import Harness
import SurgeCore

/// The tables of one run, format-neutral (``Table`` renders them as Markdown or HTML): backends side by side (the
/// median over repetitions where a run repeated), then per phase and per operation kind.
public enum ResultsTables {
    /// The whole Markdown summary of a run.
    public static func render(_ document: ResultsDocument) -> String {
        ([headline(document), ""] + tables(document).map { $0.markdown() }).joined(separator: "\n")
    }

    /// What produced the run, in one paragraph.
    public static func headline(_ document: ResultsDocument) -> String {
        let configuration = document.configuration
        let environment = document.environment
        let repetitions = Set(document.backends.map(\.repetition)).count
        let columns = ClassedColumns(groups(document))
        return "### \(configuration.scenario): \(backendNames(document).joined(separator: " vs "))"
            + (columns.commonClass.map { ", durability class \($0.rawValue)" } ?? "") + "\n\n"
            + "Scale \(Figures.format(configuration.scale)), \(Figures.format(configuration.durationSeconds)) s schedule, seed \(configuration.seed), "
            + "\(configuration.workers) workers, "
            + (configuration.shard.map { "shard \($0) of the trace's communities, " } ?? "")
            + (configuration.mergedShards.map { "merged from \($0) shards (separate processes, started together), " } ?? "")
            + (configuration.mode == .open ? "open loop (response time from the intended start)" : "closed loop")
            + (repetitions > 1 ? ", \(repetitions) repetitions interleaved (medians; throughput, p99, peak p99 and recovery also "
                + "give the range over the repetitions in brackets, min-max)" : "")
            + "; trace \(configuration.traceDigest). \(machines(document)); commit \(environment.shortCommit), "
            + "\(document.createdAt)." + (document.complete ? "" : " **Incomplete run.**")
    }

    /// "Machine: ..." for one machine (or shards on alike ones); each shard's machine when merged shards' differ.
    static func machines(_ document: ResultsDocument) -> String {
        let shards = document.shardEnvironments ?? []
        let first = shards.first ?? document.environment
        let alike = shards.allSatisfy { shard in
            shard.cores == first.cores && shard.cpuModel == first.cpuModel && shard.memoryBytes == first.memoryBytes
                && shard.kernel == first.kernel && shard.gitCommit == first.gitCommit
                && (shard.probe.flatMap { probe in first.probe.flatMap { probe.difference(from: $0) } } == nil)
        }
        if alike { return "Machine: \(document.environment.summary)" + (shards.count > 1 ? " (every shard's alike)" : "") }
        return "Shards measured on DIFFERENT machines: "
            + shards.enumerated().map { "shard \($0.offset): \($0.element.summary), commit \($0.element.shortCommit)" }.joined(separator: "; ")
    }

    static func backendNames(_ document: ResultsDocument) -> [String] {
        var names: [String] = []
        for result in document.backends where !names.contains(result.backend) { names.append(result.backend) }
        return names
    }

    /// The results of each backend (every repetition), in the order first run.
    static func groups(_ document: ResultsDocument) -> [(name: String, results: [ResultsDocument.BackendResult])] {
        backendNames(document).map { name in (name, document.backends.filter { $0.backend == name }) }
    }

    public static func tables(_ document: ResultsDocument) -> [Table] {
        let groups = groups(document)
        let columns = ClassedColumns(groups)
        var rows: [[String]] = []
        func row(_ name: String, _ value: ([ResultsDocument.BackendResult]) -> String) {
            rows.append([name] + groups.map { group in
                let ran = group.results.filter { $0.failure == nil }
                return ran.isEmpty ? "-" : value(ran)
            })
        }
        func median(_ metric: @escaping (ResultsDocument.BackendResult) -> Double) -> ([ResultsDocument.BackendResult]) -> String {
            { Figures.format(Statistics.median($0.map(metric))) }
        }
        func spread(_ metric: @escaping (ResultsDocument.BackendResult) -> Double) -> ([ResultsDocument.BackendResult]) -> String {
            { Self.spread($0.map(metric)) }
        }
        func medianCount(_ metric: @escaping (ResultsDocument.BackendResult) -> Double) -> ([ResultsDocument.BackendResult]) -> String {
            { String(format: "%.0f", Statistics.median($0.map(metric))) }
        }
        rows.append(["status"] + groups.map { status($0.results) })
        row("durability / commit") { results in
            StoreSettings.label(durability: results[0].durability, commit: results[0].commit)
        }
        row("offered ops/s (mean)", median(\.offeredPerSecond))
        row("achieved ops/s (mean)", spread(\.achievedPerSecond))
        row("response p50 ms", median(\.response.p50Ms))
        row("response p99 ms", spread(\.response.p99Ms))
        row("response p99.9 ms", median(\.response.p999Ms))
        row("response max ms", median(\.response.maxMs))
        row("service p99 ms", median(\.service.p99Ms))
        // Ratios only between columns that keep one promise: against the first competitor, within its class.
        if let base = columns.columns.indices.first(where: { !columns.columns[$0].isReference && columns.columns[$0].durabilityClass != nil }),
           columns.columns.indices.contains(where: { $0 != base && columns.comparable($0, base) })
        {
            let baseP99 = Statistics.median(groups[base].results.filter { $0.failure == nil }.map(\.response.p99Ms))
            rows.append(["p99 vs \(groups[base].name), same class"] + groups.indices.map { index in
                let ran = groups[index].results.filter { $0.failure == nil }
                guard !ran.isEmpty, columns.comparable(index, base), baseP99 > 0 else { return "-" }
                return "\(Figures.format(Statistics.median(ran.map(\.response.p99Ms)) / baseP99))x"
            })
        }
        row("baseline p99 ms", median(\.surge.baselineP99Ms))
        row("peak p99 ms, x baseline") { results in
            guard results[0].surge.peakPhase != nil else { return "no surge" }
            let ratio = Figures.format(Statistics.median(results.map { $0.surge.peakToBaselineRatio ?? 0 }))
            return Self.spread(results.map { $0.surge.peakP99Ms ?? 0 }) + ", \(ratio)x"
        }
        row("recovery to 2x baseline p99") { results in
            guard results[0].surge.peakPhase != nil else { return "no surge" }
            return Self.recoverySpread(results.map(\.surge.recoverySeconds))
        }
        row("largest backlog (ops)", medianCount { Double($0.surge.largestBacklog) })
        row("late starts", medianCount { Double($0.lateStarts) })
        row("errors") { results in "\(results.reduce(0) { $0 + $1.errorCount })" }
        row("lost writes") { results in "\(results.reduce(0) { $0 + $1.integrity.lost })" }
        if document.backends.contains(where: { ($0.integrity.inDoubtMessagesStored ?? 0) > 0 }) {
            row("kept sends in doubt") { results in "\(results.reduce(0) { $0 + ($1.integrity.inDoubtMessagesStored ?? 0) })" }
        }
        // The whole cost: the generator's process (an in-process store's too) and, for a store on servers, theirs.
        let onServers = document.backends.contains { $0.cost?.serverCPUMicrosPerOperation != nil }
        row(onServers ? "CPU µs / op (client + server)" : "CPU µs / op") { results in
            Self.wholeAndParts(results, whole: { $0.cost?.cpuMicrosPerOperation ?? $0.cpuMicrosPerOperation },
                               server: { $0.cost?.serverCPUMicrosPerOperation })
        }
        row(onServers ? "bytes written / op (client + server)" : "bytes written / op") { results in
            Self.wholeAndParts(results, whole: { $0.cost?.bytesWrittenPerOperation ?? $0.bytesWrittenPerOperation },
                               server: { $0.cost?.serverBytesWrittenPerOperation })
        }
        if document.backends.contains(where: { $0.cost?.syncsPerAcknowledgedWrite != nil }) {
            row("syncs / acknowledged write") { results in
                let counted = results.compactMap { $0.cost?.syncsPerAcknowledgedWrite }
                return counted.isEmpty ? "not counted" : Figures.format(Statistics.median(counted))
            }
        }
        if document.backends.contains(where: { $0.server?.peakResidentBytes != nil }) {
            row("server memory (PSS, largest at phase edges)") { results in
                let peaks = results.compactMap { $0.server?.peakResidentBytes }
                return peaks.isEmpty ? "-" : Figures.bytes(UInt64(Statistics.median(peaks.map { Double($0) })))
            }
        }
        row("store on disk") { results in results[0].storeBytesOnDisk.map { _ in Figures.bytes(UInt64(Statistics.median(results.map { Double($0.storeBytesOnDisk ?? 0) }))) } ?? "-" }
        row("harness µs / op", median(\.harnessOverheadMicrosPerOperation))
        if document.backends.contains(where: { $0.storeStatistics?.driverFloorMicros != nil }) {
            // A driver's operations each cross a process boundary; the null driver's round trip is that hop's floor.
            row("driver protocol floor µs / call (null driver: one core / two)") { results in
                let floors = results.compactMap { $0.storeStatistics?.driverFloorMicros }
                let crossCore = results.compactMap { $0.storeStatistics?.driverFloorCrossCoreMicros }
                guard !floors.isEmpty else { return "-" }
                return Figures.format(Statistics.median(floors)) + " / " + (crossCore.isEmpty ? "-" : Figures.format(Statistics.median(crossCore)))
            }
        }
        if document.backends.contains(where: { $0.peakResidentBytes != nil }) {
            row(onServers ? "peak resident memory (surgebench)" : "peak resident memory") { results in
                let peaks = results.compactMap(\.peakResidentBytes)
                return peaks.isEmpty ? "-" : Figures.bytes(UInt64(Statistics.median(peaks.map { Double($0) })))
            }
        }
        if document.backends.contains(where: { $0.storeStatistics?.groupSizes != nil }) {
            row("writes per commit group (mean, largest)") { results in
                guard let sizes = results[0].storeStatistics?.groupSizes else { return "-" }
                let mean = Statistics.median(results.compactMap { $0.storeStatistics?.meanGroupSize })
                return "\(Figures.format(mean)), \(sizes.last?.size ?? 0)"
            }
        }
        var tables = [Table(caption: "", header: [""] + columns.headers, rows: rows, warning: columns.warning)]

        let kinds = groups.lazy.flatMap(\.results).first { $0.failure == nil }?.operations.map(\.kind) ?? []
        if !kinds.isEmpty {
            tables.append(Table(
                caption: "p99 response time by operation, ms (p99 service time in brackets):",
                header: ["operation"] + columns.headers,
                rows: kinds.map { kind in
                    [kind] + groups.map { group in
                        let operations = group.results.compactMap { $0.operations.first { $0.kind == kind } }
                        guard !operations.isEmpty else { return "-" }
                        return "\(Figures.format(Statistics.median(operations.map(\.response.p99Ms)))) (\(Figures.format(Statistics.median(operations.map(\.service.p99Ms)))))"
                    }
                }))
        }
        if let phases = groups.lazy.flatMap(\.results).first(where: { $0.failure == nil })?.phases, !phases.isEmpty {
            tables.append(Table(
                caption: "By phase: offered ops/s, then each backend's p50 / p99 / max response time in ms:",
                header: ["phase", "offered ops/s"] + columns.headers,
                rows: phases.enumerated().map { index, phase in
                    ["\(phase.name) (\(phase.role), \(Figures.format(phase.endSeconds - phase.startSeconds)) s)", Figures.format(phase.offeredPerSecond)]
                        + groups.map { group in
                            let summaries = group.results.compactMap { $0.phases.indices.contains(index) ? $0.phases[index].response : nil }
                            guard !summaries.isEmpty else { return "-" }
                            return "\(Figures.format(Statistics.median(summaries.map(\.p50Ms)))) / \(Figures.format(Statistics.median(summaries.map(\.p99Ms)))) / \(Figures.format(Statistics.median(summaries.map(\.maxMs))))"
                        }
                }))
        }
        if let phases = groups.lazy.flatMap(\.results).first(where: { $0.failure == nil })?.phases, phases.contains(where: { $0.cost != nil }) {
            tables.append(Table(
                caption: "Cost by phase, between the phase's start and the next one's: CPU µs per operation (client + server), bytes "
                    + "written per operation, syncs per acknowledged write:",
                header: ["phase"] + columns.headers,
                rows: phases.enumerated().map { index, phase in
                    [phase.name] + groups.map { group in
                        let costs = group.results.compactMap { $0.phases.indices.contains(index) ? $0.phases[index].cost : nil }
                        guard !costs.isEmpty else { return "-" }
                        let syncs = costs.compactMap(\.syncsPerAcknowledgedWrite)
                        return "\(Figures.format(Statistics.median(costs.map(\.cpuMicrosPerOperation)))) / "
                            + "\(Figures.format(Statistics.median(costs.map(\.bytesWrittenPerOperation)))) / "
                            + (syncs.isEmpty ? "-" : Figures.format(Statistics.median(syncs)))
                    }
                }))
        }
        let reportedNames = Set(document.backends.flatMap { $0.server?.reported.keys.map { $0 } ?? [] }).sorted()
        if !reportedNames.isEmpty {
            tables.append(Table(
                caption: "The servers' own statistics, their growth over the schedule per operation (as the servers report them: "
                    + "PostgreSQL's pg_stat_* views, which each backend updates at most about once a second, and Redis's INFO, "
                    + "summed over the nodes), beside the syncs SurgeBench counted:",
                header: ["statistic"] + columns.headers,
                rows: [["syncs counted by SurgeBench"] + groups.map { group in
                    let counted = group.results.compactMap { result in result.cost?.syncs.map { Double($0.durable) / Double(max(result.completedOperations, 1)) } }
                    return counted.isEmpty ? "-" : Figures.format(Statistics.median(counted))
                }] + reportedNames.map { name in
                    [name] + groups.map { group in
                        let values = group.results.compactMap { result in result.server?.reported[name].map { $0 / Double(max(result.completedOperations, 1)) } }
                        return values.isEmpty ? "-" : Figures.format(Statistics.median(values))
                    }
                }))
        }
        let faulted = document.backends.filter { !($0.faults ?? []).isEmpty }
        if !faulted.isEmpty {
            tables.append(Table(
                caption: "Faults during the schedule (errors: from the fault to 10 s after it or to the next fault, by kind; "
                    + "no writes: the longest time without a successful write to the data the fault touched; p99 before: median of "
                    + "the 5 s before; worst: the worst second from the fault to 5 s after it; recovery: until p99 stays within 2x "
                    + "its level before for 3 s):",
                header: ["backend", "fault", "at s", "took s", "what happened", "errors", "s with errors", "no writes", "p99 before ms",
                         "worst p99 ms", "recovery"],
                rows: faulted.flatMap { result in
                    (result.faults ?? []).map { record in
                        [result.backend, record.fault.description, Figures.format(record.startedSeconds),
                         Figures.format(record.finishedSeconds - record.startedSeconds), (record.failed ? "FAILED: " : "") + record.outcome,
                         Self.errors(record), String(record.secondsWithErrors), Self.writeGap(record), record.p99BeforeMs.map(Figures.format) ?? "-",
                         record.p99WorstMs.map(Figures.format) ?? "-",
                         record.recoverySeconds.map { Figures.format($0) + " s" } ?? "not recovered"]
                    }
                }, numeric: false))
        }
        return tables
    }

    /// The median of a whole cost over repetitions, with the client's and the servers' parts where there are servers:
    /// "441.8 (97.6 + 344.2)".
    static func wholeAndParts(_ results: [ResultsDocument.BackendResult], whole: (ResultsDocument.BackendResult) -> Double,
                              server: (ResultsDocument.BackendResult) -> Double?) -> String {
        let total = Statistics.median(results.map(whole))
        let servers = results.compactMap(server)
        guard servers.count == results.count else { return Figures.format(total) }
        let serverPart = Statistics.median(servers)
        let clientPart = Statistics.median(results.map { whole($0) - (server($0) ?? 0) })
        return "\(Figures.format(total)) (\(Figures.format(clientPart)) + \(Figures.format(serverPart)))"
    }

    /// The median of one figure over repetitions, then their range when they differ: "72.9 (61.0-88.4)".
    static func spread(_ values: [Double]) -> String {
        let median = Figures.format(Statistics.median(values))
        guard let low = values.min(), let high = values.max(), Figures.format(low) != Figures.format(high) else { return median }
        return "\(median) (\(Figures.format(low))-\(Figures.format(high)))"
    }

    /// Recovery times over repetitions, a run that never recovered counting as the longest: the median, then the
    /// range when they differ ("0.660 s (0.330 s-not recovered)"). With an even count whose middle pair holds a run
    /// that did not recover, the median is "not recovered".
    static func recoverySpread(_ values: [Double?]) -> String {
        let sorted = values.sorted { ($0 ?? .infinity) < ($1 ?? .infinity) }
        guard !sorted.isEmpty else { return "-" }
        func label(_ value: Double?) -> String { value.map { "\(Figures.format($0)) s" } ?? "not recovered" }
        let middle = sorted.count / 2
        let median: String
        if sorted.count.isMultiple(of: 2) {
            if let low = sorted[middle - 1], let high = sorted[middle] { median = label((low + high) / 2) } else { median = label(nil) }
        } else {
            median = label(sorted[middle])
        }
        let (low, high) = (label(sorted[0]), label(sorted[sorted.count - 1]))
        return low == high ? median : "\(median) (\(low)-\(high))"
    }

    /// "149 (unavailable 120, dependencyFailed 29)".
    static func errors(_ record: FaultRecord) -> String {
        let kinds = (record.errorsByCategory ?? [:]).sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        return kinds.isEmpty ? String(record.errorsAfter)
            : "\(record.errorsAfter) (\(kinds.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
    }

    static func writeGap(_ record: FaultRecord) -> String {
        if let gap = record.longestWriteGapSeconds { return Figures.format(gap) + " s" }
        return record.writesResumed == false ? "never resumed" : "-"
    }

    static func status(_ results: [ResultsDocument.BackendResult]) -> String {
        if let failure = results.compactMap(\.failure).first { return "FAILED: \(failure)" }
        if let reason = results.compactMap(\.integrity.unverifiable).first { return "**UNVERIFIED**: \(reason)" }
        if results.contains(where: { !$0.integrity.isIntact }) { return "**LOST DATA**" }
        if let reason = results.compactMap(\.invalidReason).first { return "INVALID: \(reason)" }
        return results.contains(where: \.interrupted) ? "interrupted" : "ok"
    }
}
