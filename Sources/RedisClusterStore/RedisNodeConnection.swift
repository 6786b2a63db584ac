import CHiredis
import Glibc
import SurgeCore

/// One hiredis connection to one Redis node, owned (freed in `deinit`) and used by one thread. Commands are argument
/// vectors of bytes; a pipeline sends several and then reads their replies, one round trip in all.
final class RedisNodeConnection {
    let address: RedisAddress
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects within `timeoutSeconds`; reads and writes time out after `timeoutSeconds` too, so a hung node is an
    /// error, never a hang.
    init(_ address: RedisAddress, timeoutSeconds: Int = 30) throws(StoreError) {
        self.address = address
        let timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        guard let context = redisConnectWithTimeout(address.host, Int32(address.port), timeout) else {
            throw StoreError(.cannotOpen, "cannot allocate a Redis connection")
        }
        guard context.pointee.err == 0 else {
            let message = Self.errorText(context)
            redisFree(context)
            throw StoreError(.cannotOpen, "cannot connect to Redis at \(address): \(message)")
        }
        redisSetTimeout(context, timeout)
        self.context = context
    }

    deinit {
        redisFree(context)
    }

    /// Sends one command and returns its reply (an error reply is a reply, not a throw); throws when the connection
    /// fails, after which this connection is unusable.
    func command(_ arguments: [[UInt8]]) throws(StoreError) -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// Sends every command, then reads their replies in order.
    func pipeline(_ commands: [[[UInt8]]]) throws(StoreError) -> [RedisReply] {
        for arguments in commands {
            let status = Self.withArgv(arguments) { count, argv, lengths in
                redisAppendCommandArgv(context, count, argv, lengths)
            }
            guard status == REDIS_OK else { throw lost() }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw lost() }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(RedisReply(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    private func lost() -> StoreError {
        StoreError(.unavailable, "the connection to Redis node \(address) was lost: \(Self.errorText(context))")
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func withArgv<Result>(_ arguments: [[UInt8]],
                                         _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result) -> Result {
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(arguments.count)
        // Each argument's bytes stay alive (and unmoved) for the call: copied into one buffer.
        var buffer: [UInt8] = []
        var offsets: [Int] = []
        for argument in arguments {
            offsets.append(buffer.count)
            buffer.append(contentsOf: argument)
            buffer.append(0)
            lengths.append(argument.count)
        }
        return buffer.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            pointers = offsets.map { base + $0 }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { body(Int32(arguments.count), argv.baseAddress!, $0.baseAddress!) }
            }
        }
    }
}

@available(*, unavailable)
extension RedisNodeConnection: Sendable {}

/// A node's host and port.
struct RedisAddress: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    /// Parses `host:port` (the last colon separates the port).
    init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":"), let number = Int(text[text.index(after: colon)...]), (1...65535).contains(number),
              colon > text.startIndex else { return nil }
        host = String(text[..<colon])
        port = number
    }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    var description: String { "\(host):\(port)" }
}

extension RedisNodeConnection {
    /// The hiredis version in use ("0.14.1").
    static var libraryVersion: String { "\(HIREDIS_MAJOR).\(HIREDIS_MINOR).\(HIREDIS_PATCH)" }
}
