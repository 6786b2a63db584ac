import Foundation
import Harness

/// The live status line on a terminal (redrawn every second), or a plain line every 5 seconds elsewhere (CI).
final class ProgressPrinter: Sendable {
    let isTerminal: Bool
    var intervalSeconds: Double { isTerminal ? 1 : 5 }

    init(plain: Bool) {
        isTerminal = !plain && isatty(STDERR_FILENO) == 1
    }

    var report: @Sendable (ReplayProgress) -> Void {
        { [self] progress in
            let p99 = progress.p99MillisSoFar.map { $0 >= 100 ? String(format: "p99<=%.0f ms", $0) : String(format: "p99<=%.3g ms", $0) } ?? "p99 -"
            let line = String(
                format: "%@ | %@ | %3.0f/%.0f s | offered %.0f ops/s, achieved %.0f ops/s | %@ so far | late %llu | errors %llu",
                progress.label, progress.phase, progress.elapsedSeconds, progress.totalSeconds, progress.offeredPerSecond,
                progress.achievedPerSecond, p99, progress.lateStarts, progress.errors)
            FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K  " + line : "  " + line + "\n").utf8))
        }
    }

    /// Clears the status line before a normal line is printed.
    func finishLine() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
