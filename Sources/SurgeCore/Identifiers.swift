/// A registered user, numbered by the store that registered it (1, 2, 3, ...).
public struct UserID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The number the store assigned.
    public var rawValue: UInt64
    /// The identifier numbered `rawValue`.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The identifier numbered `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// Orders by number (the order of registration in every backend).
    public static func < (lhs: UserID, rhs: UserID) -> Bool { lhs.rawValue < rhs.rawValue }
    /// "user 42".
    public var description: String { "user \(rawValue)" }
}

/// A direct or group chat, numbered by the store that created it (1, 2, 3, ...).
public struct ChatID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The number the store assigned.
    public var rawValue: UInt64
    /// The identifier numbered `rawValue`.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The identifier numbered `rawValue`.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// Orders by number (the order of creation in every backend).
    public static func < (lhs: ChatID, rhs: ChatID) -> Bool { lhs.rawValue < rhs.rawValue }
    /// "chat 7".
    public var description: String { "chat \(rawValue)" }
}
