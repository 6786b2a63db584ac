import Foundation
import Harness

/// The side-by-side table printed at the end of a run: backends as columns, one row per figure.
public enum MarkdownTable {
    public static func render(_ document: ResultsDocument) -> String {
        let backends = document.backends
        var lines: [String] = []
        let configuration = document.configuration
        lines.append("### \(configuration.scenario): \(backends.map(\.backend).joined(separator: " vs "))")
        lines.append("")
        lines.append("Scale \(format(configuration.scale)), \(format(configuration.durationSeconds)) s schedule, seed \(configuration.seed), "
            + "\(configuration.workers) workers, \(configuration.mode == .open ? "open loop (response time from the intended start)" : "closed loop"), "
            + "trace \(configuration.traceDigest); \(document.environment.cores) cores, \(document.environment.cpuModel), commit \(document.environment.gitCommit.prefix(12))."
            + (document.complete ? "" : " **Incomplete run.**"))
        lines.append("")
        lines.append("| | " + backends.map(\.backend).joined(separator: " | ") + " |")
        lines.append("|---|" + backends.map { _ in "---:" }.joined(separator: "|") + "|")
        func row(_ name: String, _ value: (ResultsDocument.BackendResult) -> String) {
            lines.append("| \(name) | " + backends.map { $0.failure == nil ? value($0) : "-" }.joined(separator: " | ") + " |")
        }
        lines.append("| status | " + backends.map(status).joined(separator: " | ") + " |")
        row("durability / commit") { [$0.durability, $0.commit].compactMap { $0 }.joined(separator: " / ").nonEmpty ?? "in memory" }
        row("offered ops/s (mean)") { format($0.offeredPerSecond) }
        row("achieved ops/s (mean)") { format($0.achievedPerSecond) }
        row("response p50 ms") { format($0.response.p50Ms) }
        row("response p99 ms") { format($0.response.p99Ms) }
        row("response p99.9 ms") { format($0.response.p999Ms) }
        row("response max ms") { format($0.response.maxMs) }
        row("service p99 ms") { format($0.service.p99Ms) }
        row("baseline p99 ms") { format($0.surge.baselineP99Ms) }
        row("peak p99 ms (x baseline)") { result in
            guard let peak = result.surge.peakP99Ms else { return "no surge" }
            return "\(format(peak)) (\(format(result.surge.peakToBaselineRatio ?? 0))x)"
        }
        row("recovery to 2x baseline p99") { result in
            guard result.surge.peakPhase != nil else { return "no surge" }
            return result.surge.recoverySeconds.map { "\(format($0)) s" } ?? "not recovered"
        }
        row("largest backlog (ops)") { "\($0.surge.largestBacklog)" }
        row("late starts") { "\($0.lateStarts)" }
        row("errors") { "\($0.errorCount)" }
        row("lost writes") { "\($0.integrity.lost)" }
        row("CPU µs / op") { format($0.cpuMicrosPerOperation) }
        row("bytes written / op") { format($0.bytesWrittenPerOperation) }
        row("store on disk") { $0.storeBytesOnDisk.map(bytes) ?? "-" }
        row("harness µs / op") { format($0.harnessOverheadMicrosPerOperation) }
        lines.append("")
        let kinds = backends.first { $0.failure == nil }?.operations.map(\.kind) ?? []
        if !kinds.isEmpty {
            lines.append("p99 response time by operation, ms (p99 service time in brackets):")
            lines.append("")
            lines.append("| operation | " + backends.map(\.backend).joined(separator: " | ") + " |")
            lines.append("|---|" + backends.map { _ in "---:" }.joined(separator: "|") + "|")
            for kind in kinds {
                lines.append("| \(kind) | " + backends.map { result in
                    guard let operation = result.operations.first(where: { $0.kind == kind }) else { return "-" }
                    return "\(format(operation.response.p99Ms)) (\(format(operation.service.p99Ms)))"
                }.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func status(_ result: ResultsDocument.BackendResult) -> String {
        if let failure = result.failure { return "FAILED: \(failure)" }
        if !result.integrity.isIntact { return "**LOST DATA**" }
        if !result.valid { return "INVALID: \(result.invalidReason ?? "")" }
        return result.interrupted ? "interrupted" : "ok"
    }

    /// Three significant figures, no exponent.
    static func format(_ value: Double) -> String {
        switch abs(value) {
        case 0: "0"
        case 1000...: String(format: "%.0f", value)
        case 100...: String(format: "%.0f", value)
        case 10...: String(format: "%.1f", value)
        case 1...: String(format: "%.2f", value)
        default: String(format: "%.3f", value)
        }
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
