import Foundation
import Harness

/// The live status line on a terminal (redrawn every second), or a plain line every 5 seconds elsewhere (CI).
final class ProgressPrinter: Sendable {
    let backend: String
    let isTerminal: Bool
    var intervalSeconds: Double { isTerminal ? 1 : 5 }

    init(backend: String, plain: Bool) {
        self.backend = backend
        isTerminal = !plain && isatty(STDERR_FILENO) == 1
    }

    var report: @Sendable (ReplayProgress) -> Void {
        { [self] progress in
            let p99 = progress.p99MillisSoFar.map { String(format: "p99<=%.3g ms", $0) } ?? "p99 -"
            let line = String(
                format: "%@ | %@ | %3.0f/%.0f s | offered %.0f ops/s, achieved %.0f ops/s | %@ | late %llu | errors %llu",
                backend, progress.phase, progress.elapsedSeconds, progress.totalSeconds, progress.offeredPerSecond,
                progress.achievedPerSecond, p99, progress.lateStarts, progress.errors)
            FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
