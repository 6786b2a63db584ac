import Foundation
import SurgeCore

/// Writes a trace: the header, then checksummed blocks of operations, then an end block with the operation count
/// and the digest of every block, so a truncated or altered trace is always detected. Streaming: one block in memory.
///
/// The file appears at its path only after ``finish()``; an abandoned writer leaves nothing.
public final class TraceWriter {
    static let operationsPerBlock = 4096

    private let file: AtomicFile
    /// The block being filled. The appends below take it out into a local variable while they work, so that the
    /// per-operation path never touches the class's properties (each touch is an exclusivity check).
    private var block = BlockEncoder(after: 0)
    private var digest = TraceCoding.fnv1a([])
    /// Operations in the blocks written so far.
    private var writtenCount: UInt64 = 0
    /// Every operation appended so far.
    public var operationCount: UInt64 { writtenCount + UInt64(block.operationCount) }

    public init(path: String, header: TraceHeader) throws(BenchmarkError) {
        file = try AtomicFile(path: path)
        try file.write(header.encoded())
    }

    /// Appends an operation; operations must come in intended-time order.
    public func append(_ operation: TraceOperation) throws(BenchmarkError) {
        try withBlock { block throws(BenchmarkError) in try append(PlannedOperation(operation), list: operation.list, to: &block) }
    }

    /// Appends operations in intended-time order, encoding and checksumming whole blocks on `threads` threads; the
    /// bytes are the same as appending them one by one.
    func append(_ batch: OperationBatch, threads: Int) throws(BenchmarkError) {
        try withBlock { block throws(BenchmarkError) in
            let operations = batch.operations
            var index = 0
            while index < operations.count, block.operationCount != 0 {
                try append(operations[index], list: batch.list(of: operations[index]), to: &block)
                index += 1
            }
            let blocks = (operations.count - index) / Self.operationsPerBlock
            if blocks > 1, threads > 1 {
                try appendInParallel(operations[index..<index + blocks * Self.operationsPerBlock], of: batch, after: block.previousIntended, threads: threads)
                index += blocks * Self.operationsPerBlock
                block.reset(after: operations[index - 1].intendedNanos)
            }
            while index < operations.count {
                try append(operations[index], list: batch.list(of: operations[index]), to: &block)
                index += 1
            }
        }
    }

    /// `body` given the block being filled, out of the class while it works.
    private func withBlock(_ body: (inout BlockEncoder) throws(BenchmarkError) -> Void) throws(BenchmarkError) {
        var working = BlockEncoder.placeholder
        swap(&working, &block)
        defer { swap(&working, &block) }
        try body(&working)
    }

    private func append(_ operation: PlannedOperation, list: [UInt64], to block: inout BlockEncoder) throws(BenchmarkError) {
        block.append(operation, list: list)
        if block.operationCount == Self.operationsPerBlock { try flush(&block) }
    }

    /// Whole blocks of `operations` (a multiple of the block size), encoded on `threads` threads and written in order.
    private func appendInParallel(_ operations: ArraySlice<PlannedOperation>, of batch: OperationBatch, after start: UInt64,
                                  threads: Int) throws(BenchmarkError) {
        let blocks = operations.count / Self.operationsPerBlock
        var encoded = [(payload: [UInt8], checksum: UInt32)](repeating: ([], 0), count: blocks)
        precondition(operations.first!.intendedNanos >= start, "the generator emits operations in intended-time order")
        encoded.withUnsafeMutableBufferPointer { output in
            nonisolated(unsafe) let output = output
            operations.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                let threadCount = min(threads, blocks)
                DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                    for block in stride(from: thread, to: blocks, by: threadCount) {
                        let from = block * Self.operationsPerBlock
                        var encoder = BlockEncoder(after: from == 0 ? start : input[from - 1].intendedNanos)
                        for operation in input[from..<from + Self.operationsPerBlock] { encoder.append(operation, list: batch.list(of: operation)) }
                        let payload = Array(encoder.payload)
                        output[block] = (payload, TraceCoding.crc32(payload))
                    }
                }
            }
        }
        for (payload, checksum) in encoded {
            try writeBlock(count: UInt32(Self.operationsPerBlock), payload: payload, checksum: checksum)
            digest = TraceCoding.fnv1a(payload, continuing: digest)
        }
        writtenCount += UInt64(operations.count)
    }

    private func flush(_ block: inout BlockEncoder) throws(BenchmarkError) {
        guard block.operationCount > 0 else { return }
        let (checksum, digest) = block.payload.withUnsafeBufferPointer { TraceCoding.crc32AndFNV1a($0, continuing: self.digest) }
        try writeBlock(count: UInt32(block.operationCount), payload: block.payload, checksum: checksum)
        self.digest = digest
        writtenCount += UInt64(block.operationCount)
        block.reset(after: block.previousIntended)
    }

    private func writeBlock(count: UInt32, payload: some Collection<UInt8>, checksum: UInt32) throws(BenchmarkError) {
        var framed: [UInt8] = []
        framed.reserveCapacity(12 + payload.count)
        TraceCoding.append(count, to: &framed)
        TraceCoding.append(UInt32(payload.count), to: &framed)
        TraceCoding.append(checksum, to: &framed)
        framed += payload
        try file.write(framed)
    }

    /// Writes the end block and moves the trace into place. Returns the trace digest.
    @discardableResult
    public func finish() throws(BenchmarkError) -> UInt64 {
        try withBlock { block throws(BenchmarkError) in try flush(&block) }
        var end: [UInt8] = []
        TraceCoding.append(writtenCount, to: &end)
        TraceCoding.append(digest, to: &end)
        try writeBlock(count: 0, payload: end, checksum: TraceCoding.crc32(end))
        try file.commit()
        return digest
    }
}

/// One block's operations as bytes: each operation's fields as varints, its intended time as the step from the one
/// before. Written through a pointer into room kept ahead (no per-byte capacity check).
struct BlockEncoder {
    /// `bytes[..<count]` are the block's; the rest is room.
    private var bytes: [UInt8]
    private var count = 0
    private(set) var operationCount = 0
    /// The intended time of the last operation appended (or of the one before the block).
    private(set) var previousIntended: UInt64

    /// An empty block whose first operation's time step is from `previousIntended`.
    init(after previousIntended: UInt64) {
        self.init(after: previousIntended, room: 64 * 1024)
    }

    private init(after previousIntended: UInt64, room: Int) {
        bytes = [UInt8](repeating: 0, count: room)
        self.previousIntended = previousIntended
    }

    /// An encoder without room, to stand in for one taken out of its place.
    static var placeholder: BlockEncoder { BlockEncoder(after: 0, room: 0) }

    var payload: ArraySlice<UInt8> { bytes[..<count] }

    mutating func reset(after previousIntended: UInt64) {
        count = 0
        operationCount = 0
        self.previousIntended = previousIntended
    }

    /// Appends an operation with its list; operations must come in intended-time order.
    mutating func append(_ operation: PlannedOperation, list: [UInt64]) {
        precondition(operation.intendedNanos >= previousIntended, "the generator emits operations in intended-time order")
        let most = 2 + 9 * 10 + list.count * 10
        if count + most > bytes.count { bytes += [UInt8](repeating: 0, count: max(bytes.count, most)) }
        let step = operation.intendedNanos - previousIntended
        count = bytes.withUnsafeMutableBufferPointer { buffer in
            var out = VarintOutput(base: buffer.baseAddress!, at: count)
            out.byte(operation.kind.rawValue | (operation.isSetup ? 0x10 : 0) | (operation.isRetry ? 0x20 : 0))
            out.byte(operation.phase)
            out.varint(UInt64(operation.community))
            out.varint(UInt64(operation.lane))
            out.varint(step)
            out.varint(UInt64(operation.user))
            out.varint(UInt64(operation.argument))
            out.varint(UInt64(operation.chat))
            out.varint(operation.clientMessageID)
            out.varint(UInt64(list.count))
            for item in list { out.varint(item) }
            return out.at
        }
        operationCount += 1
        previousIntended = operation.intendedNanos
    }

    private struct VarintOutput {
        let base: UnsafeMutablePointer<UInt8>
        var at: Int

        @inline(__always)
        mutating func byte(_ value: UInt8) {
            base[at] = value
            at += 1
        }

        /// LEB128, as ``TraceCoding`` reads it.
        @inline(__always)
        mutating func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                byte(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            byte(UInt8(value))
        }
    }
}
