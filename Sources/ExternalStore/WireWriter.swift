/// Builds one frame of the driver protocol: a little-endian u32 length, then the body (see docs/driver-protocol.md).
struct WireWriter {
    private(set) var bytes: [UInt8] = [0, 0, 0, 0]

    /// A frame whose body starts with `first` (an operation code).
    init(_ first: UInt8) {
        bytes.reserveCapacity(64)
        bytes.append(first)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A u8 presence flag, then the value when present.
    mutating func optionalU64(_ value: UInt64?) {
        if let value {
            u8(1)
            u64(value)
        } else {
            u8(0)
        }
    }

    /// A u32 length, then the bytes.
    mutating func data(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A u32 length, then the UTF-8 bytes.
    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// The frame with its length filled in.
    mutating func finished() -> [UInt8] {
        let length = UInt32(bytes.count - 4).littleEndian
        withUnsafeBytes(of: length) { raw in
            for index in 0..<4 { bytes[index] = raw[index] }
        }
        return bytes
    }
}
