/// A chat's header as the key-value backends keep it: its kind, its last sequence (sends take the next one, gapless)
/// and its last activity (the inbox order). Each backend encodes it in its own words.
public struct ChatHeader: Sendable, Hashable {
    /// The kind of a direct chat between two users.
    public static let directKind: UInt64 = 1
    /// The kind of a group.
    public static let groupKind: UInt64 = 2

    /// ``directKind`` or ``groupKind``.
    public var kind: UInt64
    /// The sequence of the chat's last message (0 before the first).
    public var lastSequence: UInt64
    /// The store's activity clock at the chat's creation or last send.
    public var lastActivity: UInt64

    /// A header of a chat of `kind` whose last message is `lastSequence`, last active at `lastActivity`.
    @inlinable
    public init(kind: UInt64, lastSequence: UInt64, lastActivity: UInt64) {
        self.kind = kind
        self.lastSequence = lastSequence
        self.lastActivity = lastActivity
    }
}
