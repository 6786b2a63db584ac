/// A phone number as users register with it: an optional leading `+` and 1 to 31 digits.
///
/// The store compares numbers byte for byte; normalising formats is the client's job, as in
/// Telegram's `contacts.importContacts`.
public struct PhoneNumber: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The longest number accepted, in bytes including a leading `+`.
    public static let maximumLength = 32

    /// The number's text, already validated.
    public let text: String

    /// Validates `text`; throws ``StoreError`` with kind `.invalidArgument` when it is empty, too long
    /// or holds anything but digits after an optional `+`.
    public init(_ text: String) throws(StoreError) {
        let bytes = text.utf8
        guard !bytes.isEmpty else {
            throw StoreError(.invalidArgument, "phone number is empty; give 1 to 31 digits, optionally after '+'")
        }
        guard bytes.count <= Self.maximumLength else {
            throw StoreError(.invalidArgument,
                "phone number '\(text.prefix(40))...' is \(bytes.count) bytes long; the limit is \(Self.maximumLength)")
        }
        let digits = bytes.first == UInt8(ascii: "+") ? bytes.dropFirst() : bytes[...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw StoreError(.invalidArgument, "phone number '\(text)' must be digits, optionally after a leading '+'")
        }
        self.text = text
    }

    /// Orders by text.
    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.text < rhs.text }
    /// The number as given.
    public var description: String { text }

    /// Decodes the number from its text, checking it as ``init(_:)`` does.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    /// Encodes the number as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
