/// A span of time written as scenarios write it: "500ms", "20s", "2m", "1h", or plain seconds ("1.5").
public struct TimeSpan: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = UInt64(max(0, (seconds * 1e9).rounded())) }

    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Parses "500ms", "20s", "2m", "1h", "1.5" (seconds); nil when malformed or negative.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60), ("h", 3600), ("", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            self.init(seconds: value * factor)
            return
        }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            guard seconds >= 0, seconds.isFinite else {
                throw BenchmarkError("a time span must not be negative, got \(seconds)")
            }
            self.init(seconds: seconds)
            return
        }
        let text = try container.decode(String.self)
        guard let span = TimeSpan(parsing: text) else {
            throw BenchmarkError("'\(text)' is not a time span; write it like 500ms, 20s, 2m or 1h")
        }
        self = span
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var description: String {
        let ms = Double(nanoseconds) / 1e6
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if ms == ms.rounded() { return "\(Int(ms))ms" }
        return "\(seconds)s"
    }
}

import Foundation
