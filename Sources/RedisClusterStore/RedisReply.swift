import CHiredis

/// One reply from a Redis server, copied out of hiredis's `redisReply`.
enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case status(String)
    case integer(Int64)
    case null
    case array([RedisReply])
    case error(String)

    init(_ reply: UnsafeMutablePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .string(value.str.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(value.len))) } ?? [])
        case REDIS_REPLY_STATUS:
            self = .status(value.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(value.len)), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            self = .array((0..<Int(value.elements)).compactMap { value.element[$0].map(RedisReply.init) })
        case REDIS_REPLY_ERROR:
            self = .error(value.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(value.len)), as: UTF8.self) } ?? "")
        default:
            self = .null
        }
    }

    /// An integer reply, or a string reply holding a decimal integer (as scripts return large ids).
    var integer: UInt64? {
        switch self {
        case .integer(let value): value >= 0 ? UInt64(value) : nil
        case .string(let bytes): UInt64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    var bytes: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    var elements: [RedisReply] {
        if case .array(let elements) = self { return elements }
        return []
    }

    var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }
}
