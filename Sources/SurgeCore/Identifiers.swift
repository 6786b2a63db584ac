/// A registered user, numbered by the store that registered it (1, 2, 3, ...).
public struct UserID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "user \(rawValue)" }
}

/// A direct or group chat, numbered by the store that created it (1, 2, 3, ...).
public struct ChatID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: ChatID, rhs: ChatID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "chat \(rawValue)" }
}
