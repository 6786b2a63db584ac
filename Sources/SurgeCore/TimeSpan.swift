/// A span of time written as scenarios write it: "500ms", "20s", "2m", "1h", or plain seconds ("1.5"); at most
/// ``maximum`` (a week), so that every sum and product of spans the generator makes stays far inside 64 bits.
public struct TimeSpan: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    /// The longest span a user may write: seven days.
    public static let maximum = TimeSpan(nanoseconds: 7 * 86_400 * 1_000_000_000)

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// `seconds`, clamped into 0...``maximum`` (NaN: 0); parsing refuses what is out of range before it gets here.
    public init(seconds: Double) {
        let nanos = (seconds * 1e9).rounded()
        nanoseconds = nanos.isNaN || nanos <= 0 ? 0 : nanos >= Double(Self.maximum.nanoseconds) ? Self.maximum.nanoseconds : UInt64(nanos)
    }

    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Parses "500ms", "20s", "2m", "1h", "1.5" (seconds); nil when malformed, negative or longer than ``maximum``.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60), ("h", 3600), ("", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value.isFinite,
                  value * factor <= Self.maximum.seconds else { return nil }
            self.init(seconds: value * factor)
            return
        }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            guard seconds >= 0, seconds.isFinite, seconds <= Self.maximum.seconds else {
                // A decoding error keeps the key's path, which the scenario loader names.
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "a time span must be from 0 to \(Int(Self.maximum.seconds)) s (a week), got \(seconds)"))
            }
            self.init(seconds: seconds)
            return
        }
        let text = try container.decode(String.self)
        guard let span = TimeSpan(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a time span of at most a week; write it like 500ms, 20s, 2m or 1h"))
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
