/// Keys and small values as big-endian `UInt64` words, so that RocksDB's byte order is numeric order: a composite
/// key's rows for one first word are one contiguous range, and share the 8-byte prefix its bloom filters index.
enum BigEndianWords {
    static func bytes(_ words: UInt64...) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 8)
        for word in words { withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// The `index`th big-endian word (0 when the bytes are too short: a damaged record reads as zeros, never traps).
    func word(at index: Int) -> UInt64 {
        let start = index * 8
        guard start >= 0, start + 8 <= count else { return 0 }
        return self[start..<start + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }

}
