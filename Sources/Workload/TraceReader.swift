import Foundation
import SurgeCore

/// Reads a trace written by ``TraceWriter``, block by block, checking every checksum; refuses a trace that is
/// truncated, corrupt, of another format version, or not a trace at all.
public final class TraceReader {
    public let path: String
    public let header: TraceHeader
    private let handle: FileHandle
    private var block = TraceByteReader([])
    private var remainingInBlock: UInt32 = 0
    private var previousIntended: UInt64 = 0
    private var digest = TraceCoding.fnv1a([])
    private var blocksRead = 0
    public private(set) var operationsRead: UInt64 = 0
    /// What every operation must stay within, from the header's scenario.
    private let limits: TraceLimits
    private var setupStage: UInt8?
    private var scheduleBegan = false
    /// Set when the end block has been read and checked.
    public private(set) var traceDigest: UInt64?

    public init(path: String) throws(BenchmarkError) {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BenchmarkError("cannot open trace '\(path)': \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        self.handle = handle
        let fixed = try Self.read(handle, count: 16, path: path, what: "header")
        guard Array(fixed[0..<8]) == TraceHeader.magic else {
            throw BenchmarkError("'\(path)' is not a SurgeBench trace (it does not start with SURGETRC); make one with `surgebench generate`")
        }
        var reader = TraceByteReader(Array(fixed[8...]))
        let version = try reader.word32()
        guard version == TraceHeader.formatVersion else {
            throw BenchmarkError("trace '\(path)' has format version \(version); this build reads version \(TraceHeader.formatVersion): regenerate it")
        }
        let length = Int(try reader.word32())
        guard length <= 16 << 20 else { throw BenchmarkError("trace '\(path)' has a corrupt header (length \(length))") }
        let body = try Self.read(handle, count: length + 4, path: path, what: "header")
        var bodyReader = TraceByteReader(body)
        let headerBytes = Array(try bodyReader.take(length))
        guard try bodyReader.word32() == TraceCoding.crc32(headerBytes) else {
            throw BenchmarkError("trace '\(path)' has a corrupt header (checksum mismatch); regenerate it")
        }
        do throws(BenchmarkError) {
            var fields = TraceByteReader(headerBytes)
            let seed = try fields.word64()
            let scale = Double(bitPattern: try fields.word64())
            let storedDigest = try fields.word64()
            let shardIndex = try fields.word32()
            let shardCount = try fields.word32()
            guard shardCount >= 1, shardCount <= Shard.maximumCount, shardIndex < shardCount else {
                throw BenchmarkError("shard \(shardIndex)/\(shardCount)")
            }
            let yamlLength = Int(try fields.word32())
            let yaml = String(decoding: try fields.take(yamlLength), as: UTF8.self)
            header = TraceHeader(seed: seed, scale: scale, shard: Shard(uncheckedIndex: shardIndex, count: shardCount), scenarioYAML: yaml)
            guard header.scenarioDigest == storedDigest else { throw BenchmarkError("scenario digest mismatch") }
        } catch {
            throw BenchmarkError("trace '\(path)' has a corrupt header (\(error.message)); regenerate it")
        }
        limits = TraceLimits(scenario: try header.scenario(source: "in trace '\(path)'"), shard: header.shard)
    }

    deinit {
        try? handle.close()
    }

    /// The next operation, or nil after the end block (which is checked: count and digest).
    public func next() throws(BenchmarkError) -> TraceOperation? {
        if remainingInBlock == 0 {
            guard traceDigest == nil, try readBlock() else { return nil }
        }
        remainingInBlock -= 1
        do throws(BenchmarkError) {
            let flags = try block.byte()
            guard let kind = OperationKind(rawValue: flags & 0x0F) else { throw BenchmarkError("unknown operation kind \(flags & 0x0F)") }
            var operation = TraceOperation(kind: kind, isSetup: flags & 0x10 != 0, isRetry: flags & 0x20 != 0)
            operation.phase = try block.byte()
            operation.community = try block.varint32()
            operation.lane = try block.varint32()
            let (intended, overflow) = previousIntended.addingReportingOverflow(try block.varint())
            guard !overflow else { throw BenchmarkError("operation \(operationsRead + 1)'s time step overflows") }
            operation.intendedNanos = intended
            operation.user = try block.varint32()
            operation.argument = try block.varint32()
            operation.chat = try block.varint32()
            operation.clientMessageID = try block.varint()
            let count = try block.varint()
            guard count <= 1_000_000 else { throw BenchmarkError("list of \(count) items") }
            if count > 0 {
                var list: [UInt64] = []
                list.reserveCapacity(Int(count))
                for _ in 0..<count { list.append(try block.varint()) }
                operation.list = list
            }
            do throws(BenchmarkError) {
                try limits.check(operation, setupStage: &setupStage, scheduleBegan: &scheduleBegan)
            } catch {
                throw BenchmarkError("operation \(operationsRead + 1), \(error.message)")
            }
            previousIntended = operation.intendedNanos
            operationsRead += 1
            if remainingInBlock == 0, !block.isAtEnd { throw BenchmarkError("block has trailing bytes") }
            return operation
        } catch {
            throw BenchmarkError("trace '\(path)' is corrupt in block \(blocksRead) (\(error.message)); regenerate it")
        }
    }

    /// Reads the next block; false after the end block.
    private func readBlock() throws(BenchmarkError) -> Bool {
        let frame = try Self.read(handle, count: 12, path: path, what: "block \(blocksRead + 1) after \(operationsRead) operations")
        var reader = TraceByteReader(frame)
        let count = try reader.word32()
        let length = Int(try reader.word32())
        let checksum = try reader.word32()
        guard length <= 64 << 20 else { throw BenchmarkError("trace '\(path)' is corrupt: block \(blocksRead + 1) claims \(length) bytes") }
        let payload = try Self.read(handle, count: length, path: path, what: "block \(blocksRead + 1) after \(operationsRead) operations")
        guard TraceCoding.crc32(payload) == checksum else {
            throw BenchmarkError("trace '\(path)' is corrupt: block \(blocksRead + 1) fails its checksum; regenerate it")
        }
        blocksRead += 1
        var payloadReader = TraceByteReader(payload)
        if count == 0 {
            let total = try payloadReader.word64()
            let expectedDigest = try payloadReader.word64()
            guard total == operationsRead, expectedDigest == digest else {
                throw BenchmarkError("trace '\(path)' is corrupt: its end block promises \(total) operations but \(operationsRead) were read")
            }
            guard try handle.readToEndSafely().isEmpty else {
                throw BenchmarkError("trace '\(path)' has bytes after its end block; it is not a trace this build wrote")
            }
            traceDigest = digest
            return false
        }
        digest = TraceCoding.fnv1a(payload, continuing: digest)
        block = payloadReader
        remainingInBlock = count
        return true
    }

    private static func read(_ handle: FileHandle, count: Int, path: String, what: String) throws(BenchmarkError) -> [UInt8] {
        let data: Data
        do {
            data = try handle.read(upToCount: count) ?? Data()
        } catch {
            throw BenchmarkError("cannot read trace '\(path)': \(error.localizedDescription)")
        }
        guard data.count == count else {
            throw BenchmarkError("trace '\(path)' is truncated in its \(what); it was not written completely: regenerate it")
        }
        return Array(data)
    }
}

private extension FileHandle {
    func readToEndSafely() throws(BenchmarkError) -> Data {
        do { return try readToEnd() ?? Data() } catch { throw BenchmarkError("cannot read: \(error.localizedDescription)") }
    }
}
