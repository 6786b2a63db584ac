import Foundation
import SurgeCore

/// One connection to a driver over its Unix socket: whole frames out, whole frames in, each within a deadline.
final class DriverSocket {
    /// Why a frame could not be exchanged.
    enum Failure: Error {
        /// The driver closed the connection (it exited, or dropped it).
        case closed
        /// No whole reply within the deadline.
        case timedOut
        /// The driver's length prefix is 0 or above ``DriverWire/largestFrame``.
        case badLength(UInt32)
        /// The system refused (connect, read or write), with errno's text.
        case system(String)
    }

    private let descriptor: Int32
    /// Bytes received past the last reply (a driver may only send replies, so normally none).
    private var pending: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)

    /// Connects to the socket at `path`; each send and receive then waits at most `timeoutNanos`. Throws `.system`
    /// when nothing listens there.
    init(path: String, timeoutNanos: UInt64) throws(Failure) {
        let socket = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw .system(String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            close(socket)
            throw .system("socket path '\(path)' is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw .system(reason)
        }
        // A timeout on each blocking call keeps an exchange to one send and (usually) one receive: no poll per call.
        var limit = timeval(tv_sec: Int(timeoutNanos / 1_000_000_000), tv_usec: Int(timeoutNanos % 1_000_000_000 / 1000))
        if limit.tv_sec == 0 && limit.tv_usec == 0 { limit.tv_usec = 1 }
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        descriptor = socket
    }

    deinit { close(descriptor) }

    /// Sends one whole frame and reads one whole reply body, both before `deadline` (monotonic nanoseconds).
    func exchange(_ frame: [UInt8], deadline: UInt64) throws(Failure) -> [UInt8] {
        try write(frame, deadline: deadline)
        try fill(4, deadline: deadline)
        let length = UInt32(pending[0]) | UInt32(pending[1]) << 8 | UInt32(pending[2]) << 16 | UInt32(pending[3]) << 24
        guard length > 0, length <= DriverWire.largestFrame else { throw .badLength(length) }
        try fill(4 + Int(length), deadline: deadline)
        let body = Array(pending[4..<4 + Int(length)])
        pending.removeFirst(4 + Int(length))
        return body
    }

    private func write(_ bytes: [UInt8], deadline: UInt64) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                if errno == EPIPE || errno == ECONNRESET { throw .closed }
                throw .system(String(cString: strerror(errno)))
            }
            sent += count
            if sent < bytes.count, MonotonicClock.now() >= deadline { throw .timedOut }
        }
    }

    /// Receives until at least `wanted` bytes are pending.
    private func fill(_ wanted: Int, deadline: UInt64) throws(Failure) {
        while pending.count < wanted {
            if MonotonicClock.now() >= deadline { throw .timedOut }
            let room = min(chunk.count, max(wanted - pending.count, 4096))
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, room, 0) }
            if count == 0 { throw .closed }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
                if errno == ECONNRESET { throw .closed }
                throw .system(String(cString: strerror(errno)))
            }
            pending.append(contentsOf: chunk[0..<count])
        }
    }
}
