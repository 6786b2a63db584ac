import Foundation
import SurgeCore
import Workload

/// A JSON file a command writes beside its Markdown (`capacity.json`, `growth.json`, `crash.json`): named by its
/// `schema`, versioned, read back whole or refused with a message naming the file.
public protocol SummaryDocument: Codable {
    /// The `schema` value that identifies the kind of file ("surgebench-growth").
    static var schemaName: String { get }
    /// What the file is, for messages ("growth").
    static var kindName: String { get }
    static var currentSchemaVersion: Int { get }
    var schema: String { get }
    var schemaVersion: Int { get }
    /// The Markdown written beside the JSON and printed at the end of the command.
    var summary: String { get }
}

extension SummaryDocument {
    /// Reads the document at `path`; throws when it is missing, damaged, another kind of file or another version.
    public static func read(path: String) throws(BenchmarkError) -> Self {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchmarkError("cannot read '\(path)': no such file") }
        guard let document = try? JSONDecoder().decode(Self.self, from: data), document.schema == schemaName else {
            throw BenchmarkError("'\(path)' is not a SurgeBench \(kindName) file (or it is damaged)")
        }
        guard document.schemaVersion == currentSchemaVersion else {
            throw BenchmarkError("'\(path)' has \(kindName) schema version \(document.schemaVersion); this build reads \(currentSchemaVersion)")
        }
        return document
    }

    /// Writes `<kind>.json` and `<kind>.md` into `folder` and moves it into place; returns the Markdown.
    public func write(into folder: ResultsFolderWriter) throws(BenchmarkError) -> String {
        let text: String
        do { text = try json() } catch { throw BenchmarkError("cannot encode the \(Self.kindName) results: \(error)", kind: .failed) }
        try folder.write(text, to: "\(Self.kindName).json")
        try folder.write(summary, to: "\(Self.kindName).md")
        try folder.commit()
        return summary
    }

    /// Pretty-printed JSON with sorted keys, ending in a newline.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
