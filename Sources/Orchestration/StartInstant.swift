import Foundation
import SurgeCore
import Workload

/// `--start-at`: a wall-clock instant, written as ISO 8601 in UTC (2026-11-30T14:00:00Z, fractions allowed) or as
/// seconds since 1970, or `+SECONDS` from now.
public enum StartInstant {
    /// The instant `text` names, in seconds since 1970.
    public static func parse(_ text: String, now: Date = Date()) throws(BenchmarkError) -> Double {
        if text.hasPrefix("+"), let seconds = Double(text.dropFirst()), seconds.isFinite, seconds >= 0, seconds <= 7 * 86_400 {
            return now.timeIntervalSince1970 + seconds
        }
        if let seconds = Double(text), seconds.isFinite, seconds > 0, seconds < 1e11 { return seconds }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        throw BenchmarkError("--start-at takes an instant such as 2026-11-30T14:00:00Z (UTC), seconds since 1970, or +SECONDS from now; got '\(text)'")
    }
}
