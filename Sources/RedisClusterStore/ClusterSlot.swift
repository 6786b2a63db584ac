/// Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the key, or of its first non-empty `{hash tag}`, modulo
/// 16384. Keys with one tag live on one slot, so one node can run a script over all of them.
enum ClusterSlot {
    static let count = 16384

    /// The slot of `key`.
    static func of(_ key: some Collection<UInt8>) -> Int {
        let bytes = Array(key)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
           let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            return Int(crc16(bytes[(open + 1)..<close]) % UInt16(count))
        }
        return Int(crc16(bytes) % UInt16(count))
    }

    static func of(_ key: String) -> Int { of(Array(key.utf8)) }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as the cluster specification defines it.
    static func crc16(_ bytes: some Collection<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    /// For every slot, a short hash tag that maps to it: a user's or a chat's keys are named `{tag}:...` with the tag
    /// of the slot its id encodes, so any id finds its node without a lookup.
    static let tags: [String] = {
        var tags = [String?](repeating: nil, count: count)
        var found = 0
        var candidate = 0
        while found < count {
            let tag = String(candidate, radix: 36)
            let slot = Int(crc16(Array(tag.utf8)) % UInt16(count))
            if tags[slot] == nil {
                tags[slot] = tag
                found += 1
            }
            candidate += 1
        }
        return tags.map { $0! }
    }()
}
