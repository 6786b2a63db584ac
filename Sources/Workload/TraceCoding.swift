import SurgeCore

/// Byte-level pieces of the trace format: little-endian words, LEB128 varints, CRC-32 and FNV-1a (also used by the
/// harness's acknowledgement log).
public enum TraceCoding {
    package static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as a LEB128 varint, as ``TraceByteReader/varint()`` reads it.
    package static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// IEEE 802.3 CRC-32 (as zlib), for block checksums: eight bytes a step (slicing-by-8) where the bytes are contiguous.
    public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let sliced = bytes.withContiguousStorageIfAvailable { buffer in
            crcTables.withUnsafeBufferPointer { tables in
                var crc: UInt32 = 0xFFFF_FFFF
                var index = 0
                while index + 8 <= buffer.count {
                    crc = crcStep(crc, buffer, index, tables)
                    index += 8
                }
                return crcTail(crc, buffer[index...], tables)
            }
        }
        if let sliced { return sliced }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The CRC-32 of `bytes` and their FNV-1a continuing from `hash`, in one pass: the FNV's chain of multiplications
    /// (a byte at a time, each waiting for the one before) runs alongside the CRC's table lookups instead of after them.
    static func crc32AndFNV1a(_ bytes: UnsafeBufferPointer<UInt8>, continuing hash: UInt64) -> (crc: UInt32, hash: UInt64) {
        crcTables.withUnsafeBufferPointer { tables in
            var crc: UInt32 = 0xFFFF_FFFF
            var hash = hash
            var index = 0
            while index + 8 <= bytes.count {
                crc = crcStep(crc, bytes, index, tables)
                for byte in bytes[index..<index + 8] { hash = (hash ^ UInt64(byte)) &* fnvPrime }
                index += 8
            }
            return (crcTail(crc, bytes[index...], tables), fnv1a(bytes[index...], continuing: hash))
        }
    }

    /// The CRC after the eight bytes at `index`.
    @inline(__always)
    private static func crcStep(_ crc: UInt32, _ buffer: UnsafeBufferPointer<UInt8>, _ index: Int, _ tables: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let low = crc ^ (UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8 | UInt32(buffer[index + 2]) << 16 | UInt32(buffer[index + 3]) << 24)
        return tables[7 * 256 + Int(low & 0xFF)] ^ tables[6 * 256 + Int((low >> 8) & 0xFF)]
            ^ tables[5 * 256 + Int((low >> 16) & 0xFF)] ^ tables[4 * 256 + Int(low >> 24)]
            ^ tables[3 * 256 + Int(buffer[index + 4])] ^ tables[2 * 256 + Int(buffer[index + 5])]
            ^ tables[256 + Int(buffer[index + 6])] ^ tables[Int(buffer[index + 7])]
    }

    /// The final CRC after the remaining bytes, one at a time.
    @inline(__always)
    private static func crcTail(_ crc: UInt32, _ rest: Slice<UnsafeBufferPointer<UInt8>>, _ tables: UnsafeBufferPointer<UInt32>) -> UInt32 {
        var crc = crc
        for byte in rest { crc = tables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// Table k maps a byte to its CRC contribution k bytes further on (table 0 is the bytewise table).
    private static let crcTables: [UInt32] = {
        var tables = (0..<256).map { index in
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
            return value
        }
        for k in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(k - 1) * 256 + index]
                tables.append(tables[Int(previous & 0xFF)] ^ (previous >> 8))
            }
        }
        return tables
    }()

    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3

    /// 64-bit FNV-1a, continuing from `hash`.
    public static func fnv1a(_ bytes: some Sequence<UInt8>, continuing hash: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        var hash = hash
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= fnvPrime
        }
        return hash
    }
}

/// Reads the pieces back from a byte buffer, throwing on a short or malformed buffer.
package struct TraceByteReader {
    let bytes: [UInt8]
    var offset = 0

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() throws(BenchmarkError) -> UInt8 {
        guard offset < bytes.count else { throw BenchmarkError("record ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func word64() throws(BenchmarkError) -> UInt64 { try littleEndian(UInt64.self) }

    mutating func word32() throws(BenchmarkError) -> UInt32 { try littleEndian(UInt32.self) }

    private mutating func littleEndian<Word: FixedWidthInteger>(_: Word.Type) throws(BenchmarkError) -> Word {
        let size = Word.bitWidth / 8
        guard offset + size <= bytes.count else { throw BenchmarkError("record ends early") }
        var value: Word = 0
        for index in 0..<size { value |= Word(bytes[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    package mutating func varint() throws(BenchmarkError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw BenchmarkError("varint is too long") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func varint32() throws(BenchmarkError) -> UInt32 {
        let value = try varint()
        guard value <= UInt64(UInt32.max) else { throw BenchmarkError("value \(value) is out of range") }
        return UInt32(value)
    }

    mutating func take(_ count: Int) throws(BenchmarkError) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else { throw BenchmarkError("record ends early") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
