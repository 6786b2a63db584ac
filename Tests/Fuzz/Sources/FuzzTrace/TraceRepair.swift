import Workload

/// Rewrites the checksums and digests of a mutated trace so that the fuzzer's changes reach the decoder and the
/// checks of every field behind them (random bytes would almost never pass a CRC-32). Lengths and counts are left as
/// mutated; the repair stops where they run past the input.
enum TraceRepair {
    static func repaired(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes = Array(input)
        guard bytes.count >= 16 else { return bytes }
        let headerLength = Int(word32(bytes, at: 12))
        let headerStart = 16
        guard headerLength <= bytes.count - headerStart - 4 else { return bytes }
        let headerEnd = headerStart + headerLength
        // The scenario digest (third word of the header body) follows the YAML the header carries.
        if headerLength >= 36 {
            let yamlLength = Int(word32(bytes, at: headerStart + 32))
            if yamlLength <= headerLength - 36 {
                let yaml = String(decoding: bytes[(headerStart + 36)..<(headerStart + 36 + yamlLength)], as: UTF8.self)
                put(TraceCoding.fnv1a(yaml.utf8), into: &bytes, at: headerStart + 16)
            }
        }
        put(TraceCoding.crc32(bytes[headerStart..<headerEnd]), into: &bytes, at: headerEnd)
        var offset = headerEnd + 4
        var digest = TraceCoding.fnv1a([])
        while offset + 12 <= bytes.count {
            let count = word32(bytes, at: offset)
            let length = Int(word32(bytes, at: offset + 4))
            let payload = offset + 12
            guard length <= bytes.count - payload else { break }
            if count == 0, length >= 16 {
                put(digest, into: &bytes, at: payload + 8)
            } else {
                digest = TraceCoding.fnv1a(bytes[payload..<(payload + length)], continuing: digest)
            }
            put(TraceCoding.crc32(bytes[payload..<(payload + length)]), into: &bytes, at: offset + 8)
            offset = payload + length
        }
        return bytes
    }

    private static func word32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func put<Word: FixedWidthInteger>(_ value: Word, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<(Word.bitWidth / 8) { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
