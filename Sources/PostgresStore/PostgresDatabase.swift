import CPostgres
import Foundation
import SurgeCore

/// One libpq connection (`PGconn`), owned: closed in `deinit`, also when connecting fails. Used by one thread.
final class PostgresDatabase {
    let handle: OpaquePointer

    /// Connects; the error names the server without any password from `connectionString`.
    init(connectionString: String) throws(StoreError) {
        guard let handle = PQconnectdb(connectionString) else {
            throw StoreError(.cannotOpen, "cannot allocate a PostgreSQL connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            let full = message.contains("too many clients") || message.contains("connection slots are reserved")
                ? " (SurgeBench opens one connection per worker, plus one: lower --workers, or raise the server's max_connections)"
                : ""
            throw StoreError(.cannotOpen, "cannot connect to PostgreSQL at \(Redaction.redact(value: connectionString)): "
                + "\(Redaction.redact(value: message))\(full)")
        }
        self.handle = handle
    }

    deinit {
        PQfinish(handle)
    }

    /// Runs SQL without parameters (several statements allowed); throws the server's error.
    func execute(_ sql: String) throws(StoreError) {
        let result = PostgresResult(PQexec(handle, sql))
        try result.check(self, context: sql.prefix(60).description)
    }

    /// Prepares `sql` under `name` on this connection.
    func prepare(_ name: String, _ sql: String) throws(StoreError) {
        let result = PostgresResult(PQprepare(handle, name, sql, 0, nil))
        try result.check(self, context: "preparing \(name)")
    }

    /// Runs the prepared statement `name` with `parameters` in one round trip; results come in binary format.
    func run(_ name: String, _ parameters: PostgresParameters) throws(StoreError) -> PostgresResult {
        let result = parameters.withArrays { values, lengths, formats, count in
            PostgresResult(PQexecPrepared(handle, name, count, values, lengths, formats, 1))
        }
        try result.check(self, context: name)
        return result
    }

    /// The first value of a query without parameters, as text; nil when it fails or returns no row.
    func text(_ sql: String) -> String? {
        let result = PostgresResult(PQexec(handle, sql))
        guard PQresultStatus(result.handle) == PGRES_TUPLES_OK, result.rowCount > 0, !result.isNull(0, 0),
              let value = PQgetvalue(result.handle, 0, 0) else { return nil }
        return String(cString: value)
    }

    /// The connection's last error message.
    var lastError: String {
        String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@available(*, unavailable)
extension PostgresDatabase: Sendable {}

/// A `PGresult`, owned: cleared in `deinit`. Binary-format values are read by row and column.
final class PostgresResult {
    let handle: OpaquePointer?

    init(_ handle: OpaquePointer?) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    var rowCount: Int { Int(PQntuples(handle)) }

    /// Throws the server's error as a ``StoreError``: the functions' own SQLSTATEs as request errors, a lost
    /// connection as `.unavailable` naming it, anything else as `.engine` with the server's message.
    func check(_ database: PostgresDatabase, context: String) throws(StoreError) {
        let status = handle.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK else { return }
        let state = handle.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        let message = handle.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
            ?? database.lastError
        let kind: StoreError.Kind = switch state {
        case PostgresSchema.unknownUserState: .unknownUser
        case PostgresSchema.unknownChatState: .unknownChat
        case PostgresSchema.notAMemberState: .notAMember
        case "53100": .storeFull  // disk_full
        case "40P01", "55P03": .busy  // deadlock detected, lock not available
        default: .engine
        }
        if PQstatus(database.handle) != CONNECTION_OK {
            throw StoreError(.unavailable, "the PostgreSQL connection was lost (\(context)): \(Redaction.redact(value: message))")
        }
        throw StoreError(kind, kind == .engine ? "PostgreSQL error \(state) (\(context)): \(message)" : message)
    }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) != 0 }

    /// A binary `bigint`.
    func int64(_ row: Int, _ column: Int) -> UInt64 {
        guard let value = PQgetvalue(handle, Int32(row), Int32(column)), PQgetlength(handle, Int32(row), Int32(column)) == 8 else { return 0 }
        return UInt64(bigEndian: UnsafeRawPointer(value).loadUnaligned(as: UInt64.self))
    }

    /// A binary `boolean`.
    func bool(_ row: Int, _ column: Int) -> Bool {
        PQgetvalue(handle, Int32(row), Int32(column)).map { $0.pointee != 0 } ?? false
    }

    /// A binary `bytea` or `text` value's bytes.
    func bytes(_ row: Int, _ column: Int) -> [UInt8] {
        let count = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard count > 0, let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: count))
    }
}

/// The parameters of one statement, laid out in one buffer: text values (NUL-terminated, text format) and binary
/// values (`bytea`, binary format).
struct PostgresParameters {
    private var storage: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int32] = []
    private var formats: [Int32] = []

    init() {}

    mutating func text(_ value: String) {
        offsets.append(storage.count)
        storage.append(contentsOf: value.utf8)
        storage.append(0)
        lengths.append(0)
        formats.append(0)
    }

    mutating func integer(_ value: UInt64) { text(String(Int64(bitPattern: value))) }

    mutating func integer(_ value: Int) { text(String(value)) }

    /// A PostgreSQL array literal of integers: `{1,2,3}`.
    mutating func integers(_ values: [UInt64]) { text("{" + values.map { String(Int64(bitPattern: $0)) }.joined(separator: ",") + "}") }

    /// A PostgreSQL array literal of strings, each quoted: `{"+1555","+1556"}`.
    mutating func texts(_ values: [String]) {
        text("{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}")
    }

    mutating func binary(_ value: [UInt8]) {
        offsets.append(storage.count)
        storage.append(contentsOf: value)
        storage.append(0)  // not part of the value: an empty value still has an address (NULL would mean SQL NULL)
        lengths.append(Int32(value.count))
        formats.append(1)
    }

    /// Calls `body` with libpq's parameter arrays.
    func withArrays<Result>(
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> Result
    ) -> Result {
        storage.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self) else { return body(nil, nil, nil, 0) }
            let values: [UnsafePointer<CChar>?] = offsets.map { UnsafePointer(base + $0) }
            return values.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in
                        body(values.baseAddress, lengths.baseAddress, formats.baseAddress, Int32(offsets.count))
                    }
                }
            }
        }
    }
}
