/// Reads a reply's body field by field, refusing anything that runs past its end or counts more items than its bytes
/// can hold: a driver's bytes are input, never trusted.
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0

    /// A reader over one frame's body.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// What went wrong reading, for the protocol error's message.
    struct Malformed: Error {
        var reason: String
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(Malformed) -> UInt8 {
        guard remaining >= 1 else { throw Malformed(reason: "the reply ends early (a byte is missing at offset \(offset))") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(Malformed) -> UInt32 { try integer() }

    mutating func u64() throws(Malformed) -> UInt64 { try integer() }

    /// A little-endian unsigned integer of `Value`'s width.
    private mutating func integer<Value: FixedWidthInteger & UnsignedInteger>() throws(Malformed) -> Value {
        let size = Value.bitWidth / 8
        guard remaining >= size else { throw Malformed(reason: "the reply ends early (\(size) bytes expected at offset \(offset))") }
        var value: Value = 0
        for index in 0..<size { value |= Value(bytes[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    /// A boolean byte: 0 or 1, nothing else.
    mutating func flag() throws(Malformed) -> Bool {
        let value = try u8()
        guard value <= 1 else { throw Malformed(reason: "a flag byte is \(value) at offset \(offset - 1); it must be 0 or 1") }
        return value == 1
    }

    mutating func optionalU64() throws(Malformed) -> UInt64? {
        try flag() ? try u64() : nil
    }

    mutating func data() throws(Malformed) -> [UInt8] {
        let count = Int(try u32())
        guard count <= remaining else {
            throw Malformed(reason: "a field of \(count) bytes runs past the reply's end (\(remaining) bytes left)")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func string() throws(Malformed) -> String {
        let raw = try data()
        guard let text = String(validating: raw, as: UTF8.self) else { throw Malformed(reason: "a text field is not valid UTF-8") }
        return text
    }

    /// A u32 count of items each at least `smallest` bytes long, checked against the bytes left.
    mutating func count(eachAtLeast smallest: Int) throws(Malformed) -> Int {
        let count = Int(try u32())
        guard count <= remaining / max(smallest, 1) else {
            throw Malformed(reason: "the reply counts \(count) items but holds only \(remaining) bytes")
        }
        return count
    }

    /// Throws unless every byte was read.
    func finish() throws(Malformed) {
        guard remaining == 0 else { throw Malformed(reason: "\(remaining) bytes are left over after the reply's last field") }
    }
}
