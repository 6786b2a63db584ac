import Foundation
import Harness
import SurgeCore
import Workload

/// `<backend>[-rN]-replay.json`: a ``ReplayRecord`` in a results folder, with a schema name and version of its own.
public enum ReplayRecordFile {
    public static let schema = "surgebench-replay-record"
    /// The version written; version 1 (histogram buckets as two arrays) is read too.
    public static let version = 2
    static let readableVersions = 1...2

    private struct Envelope: Codable {
        var schema: String
        var version: Int
        var record: ReplayRecord
    }

    /// The file's text for `record`.
    public static func encode(_ record: ReplayRecord) throws(BenchmarkError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(Envelope(schema: schema, version: version, record: record)), as: UTF8.self) + "\n"
        } catch {
            throw BenchmarkError("cannot encode the replay record: \(error)")
        }
    }

    /// Reads the record at `path`; says what is wrong with one that is missing, damaged or of another version.
    public static func read(path: String) throws(BenchmarkError) -> ReplayRecord {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError("cannot read replay record '\(path)': no such file (results written before shards existed have none: run again)")
        }
        struct Header: Decodable { var schema: String?; var version: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), header.schema == schema else {
            throw BenchmarkError("'\(path)' is not a SurgeBench replay record (truncated or damaged?)")
        }
        guard let found = header.version, readableVersions.contains(found) else {
            throw BenchmarkError("'\(path)' is a replay record of version \(header.version ?? 0); this build reads versions "
                + "\(readableVersions.lowerBound)-\(readableVersions.upperBound)")
        }
        do {
            return try JSONDecoder().decode(Envelope.self, from: data).record
        } catch {
            throw BenchmarkError("'\(path)' is a damaged replay record: \(error)")
        }
    }
}
