import Foundation

/// How SurgeBench writes numbers for people, in tables, messages and reports alike.
public enum Figures {
    /// Three significant figures, no exponent: 0.123, 1.23, 12.3, 123.
    public static func format(_ value: Double) -> String {
        switch abs(value) {
        case 0: "0"
        case 100...: String(format: "%.0f", value)
        case 10...: String(format: "%.1f", value)
        case 1...: String(format: "%.2f", value)
        default: String(format: "%.3f", value)
        }
    }

    /// A byte count in binary units: "512 B", "37.0 MiB".
    public static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A 64-bit digest as 16 hex digits.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// `seconds` since 1970 as ISO 8601 UTC with milliseconds ("2026-11-30T14:00:00.000Z").
    public static func instant(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
