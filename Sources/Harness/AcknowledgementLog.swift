import Glibc
import SurgeCore
import Workload

/// An append-only file of the writes a store acknowledged, written as they are acknowledged, for checking a store
/// after a crash: each record is one `write()` of 64 bytes to a file opened for appending, so it survives the death
/// of the process that wrote it (the kernel has it), though not a power cut of the machine. Each record ends in the
/// CRC-32 of its first 60 bytes.
///
/// Besides acknowledgements, the log holds the intent of every registration and send before it goes to the store
/// (an intent without an acknowledgement was in flight when the process died) and the moment the schedule started.
public final class AcknowledgementLog: Sendable {
    /// One line of the log. Fields mean, by kind:
    /// register: `traceUser` and its store id `user`; import-contacts: owner `user`, `other` the contact-list index,
    /// `sequence` the matches; open-chat: `user` and `other` (store ids) and `chat`; create-group: creator `user`,
    /// `chat`, `other` the members asked for (creator included, duplicates removed); send: sender `user`, `chat`,
    /// `sequence`, `clientMessageID`, body length and digest; mark-read: `user`, `chat`, `sequence` the watermark.
    public struct Record: Hashable, Sendable {
        public enum Event: UInt8, Sendable {
            /// The schedule started at `sequence` nanoseconds on the monotonic clock.
            case scheduleStarted = 1
            /// The operation is about to go to the store.
            case intent = 2
            /// The store acknowledged the operation.
            case acknowledged = 3
        }

        public var event: Event
        public var kind: OperationKind
        public var traceUser: UInt32 = 0
        public var user: UInt64 = 0
        public var chat: UInt64 = 0
        public var other: UInt64 = 0
        public var sequence: UInt64 = 0
        public var clientMessageID: UInt64 = 0
        public var bodyDigest: UInt64 = 0
        public var bodyLength: UInt32 = 0

        public init(_ event: Event, _ kind: OperationKind) {
            self.event = event
            self.kind = kind
        }

        public static let size = 64
    }

    /// What a log holds: its whole records and what could not be read.
    public struct Contents: Sendable {
        public var records: [Record]
        /// Bytes after the last whole record (a write cut short), ignored.
        public var trailingBytes: Int
        /// Records whose checksum did not match, skipped.
        public var damagedRecords: Int
    }

    public let path: String
    private let descriptor: Int32

    /// Opens `path` for appending, creating it when missing.
    public init(path: String) throws(BenchmarkError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BenchmarkError("cannot open the acknowledgement log '\(path)': \(String(cString: strerror(errno)))", kind: .environment)
        }
    }

    deinit { close(descriptor) }

    /// Appends one record with one `write()`. A failure to log is fatal to the crash run, so it traps with the reason.
    public func append(_ record: Record) {
        var bytes = Self.encode(record)
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress, Record.size) }
        guard written == Record.size else {
            fatalError("cannot append to the acknowledgement log '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Appends the record of one event (the fields as ``Record`` describes them; a send's body is logged as its length
    /// and digest).
    public func note(_ event: Record.Event, _ kind: OperationKind, traceUser: UInt32 = 0, user: UInt64 = 0, chat: UInt64 = 0,
                     other: UInt64 = 0, sequence: UInt64 = 0, clientMessageID: UInt64 = 0, body: [UInt8]? = nil) {
        var record = Record(event, kind)
        record.traceUser = traceUser
        record.user = user
        record.chat = chat
        record.other = other
        record.sequence = sequence
        record.clientMessageID = clientMessageID
        if let body {
            record.bodyLength = UInt32(body.count)
            record.bodyDigest = Self.digest(body)
        }
        append(record)
    }

    /// Reads every whole record of the log at `path`.
    public static func read(path: String) throws(BenchmarkError) -> Contents {
        guard let handle = fopen(path, "rb") else {
            throw BenchmarkError("cannot read the acknowledgement log '\(path)': \(String(cString: strerror(errno)))", kind: .environment)
        }
        defer { fclose(handle) }
        var records: [Record] = []
        var damaged = 0
        var buffer = [UInt8](repeating: 0, count: Record.size)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, Record.size, handle) }
            if count < Record.size { return Contents(records: records, trailingBytes: count, damagedRecords: damaged) }
            if let record = decode(buffer) { records.append(record) } else { damaged += 1 }
        }
    }

    /// The FNV-1a digest of a message body, as send records carry it.
    public static func digest(_ body: [UInt8]) -> UInt64 { TraceCoding.fnv1a(body) }

    static func encode(_ record: Record) -> [UInt8] {
        var bytes: [UInt8] = [record.event.rawValue, record.kind.rawValue, 0, 0]
        bytes.reserveCapacity(Record.size)
        TraceCoding.append(record.traceUser, to: &bytes)
        for field in [record.user, record.chat, record.other, record.sequence, record.clientMessageID, record.bodyDigest] {
            TraceCoding.append(field, to: &bytes)
        }
        TraceCoding.append(record.bodyLength, to: &bytes)
        TraceCoding.append(TraceCoding.crc32(bytes), to: &bytes)
        return bytes
    }

    /// The record in 64 bytes, or nil when its checksum or kind is wrong.
    public static func decode(_ bytes: [UInt8]) -> Record? {
        func get<Value: FixedWidthInteger>(_ offset: Int, as: Value.Type) -> Value {
            var value: Value = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<offset + MemoryLayout<Value>.size]) }
            return Value(littleEndian: value)
        }
        guard get(60, as: UInt32.self) == TraceCoding.crc32(bytes[0..<60]), let event = Record.Event(rawValue: bytes[0]),
              let kind = OperationKind(rawValue: bytes[1]) else { return nil }
        var record = Record(event, kind)
        record.traceUser = get(4, as: UInt32.self)
        record.user = get(8, as: UInt64.self)
        record.chat = get(16, as: UInt64.self)
        record.other = get(24, as: UInt64.self)
        record.sequence = get(32, as: UInt64.self)
        record.clientMessageID = get(40, as: UInt64.self)
        record.bodyDigest = get(48, as: UInt64.self)
        record.bodyLength = get(56, as: UInt32.self)
        return record
    }
}
