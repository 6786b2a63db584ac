import Foundation

/// Writes a trace: the header, then checksummed blocks of operations, then an end block with the operation count
/// and the digest of every block, so a truncated or altered trace is always detected. Streaming: one block in memory.
///
/// The file appears at its path only after ``finish()``; an abandoned writer leaves nothing.
public final class TraceWriter {
    static let operationsPerBlock = 4096

    private let file: AtomicFile
    private var block = BlockEncoder(after: 0)
    private var blockCount: UInt32 = 0
    private var previousIntended: UInt64 = 0
    private var digest = TraceCoding.fnv1a([])
    public private(set) var operationCount: UInt64 = 0

    public init(path: String, header: TraceHeader) throws(BenchmarkError) {
        file = try AtomicFile(path: path)
        try file.write(header.encoded())
    }

    /// Appends an operation; operations must come in intended-time order.
    public func append(_ operation: TraceOperation) throws(BenchmarkError) {
        try append(PlannedOperation(operation), list: operation.list)
    }

    private func append(_ operation: PlannedOperation, list: [UInt64]) throws(BenchmarkError) {
        block.append(operation, list: list)
        previousIntended = operation.intendedNanos
        blockCount += 1
        operationCount += 1
        if blockCount == Self.operationsPerBlock { try flushBlock() }
    }

    /// Appends operations in intended-time order, encoding and checksumming whole blocks on `threads` threads; the
    /// bytes are the same as appending them one by one.
    func append(_ batch: OperationBatch, threads: Int) throws(BenchmarkError) {
        let operations = batch.operations
        var index = 0
        while index < operations.count, blockCount != 0 {
            try append(operations[index], list: batch.list(of: operations[index]))
            index += 1
        }
        let blocks = (operations.count - index) / Self.operationsPerBlock
        if blocks > 1, threads > 1 {
            var encoded = [(payload: [UInt8], checksum: UInt32)](repeating: ([], 0), count: blocks)
            let first = index
            let start = previousIntended
            precondition(operations[first].intendedNanos >= start, "the generator emits operations in intended-time order")
            encoded.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let output = output
                operations.withUnsafeBufferPointer { input in
                    nonisolated(unsafe) let input = input
                    let threadCount = min(threads, blocks)
                    DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                        for block in stride(from: thread, to: blocks, by: threadCount) {
                            let from = first + block * Self.operationsPerBlock
                            var encoder = BlockEncoder(after: from == first ? start : input[from - 1].intendedNanos)
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
            index += blocks * Self.operationsPerBlock
            previousIntended = operations[index - 1].intendedNanos
            block.reset(after: previousIntended)
            operationCount += UInt64(blocks * Self.operationsPerBlock)
        }
        while index < operations.count {
            try append(operations[index], list: batch.list(of: operations[index]))
            index += 1
        }
    }

    private func flushBlock() throws(BenchmarkError) {
        guard blockCount > 0 else { return }
        try writeBlock(count: blockCount, payload: block.payload, checksum: TraceCoding.crc32(block.payload))
        digest = TraceCoding.fnv1a(block.payload, continuing: digest)
        block.reset(after: previousIntended)
        blockCount = 0
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
        try flushBlock()
        var end: [UInt8] = []
        TraceCoding.append(operationCount, to: &end)
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
    private var bytes = [UInt8](repeating: 0, count: 64 * 1024)
    private var count = 0
    private var previousIntended: UInt64

    /// An empty block whose first operation's time step is from `previousIntended`.
    init(after previousIntended: UInt64) {
        self.previousIntended = previousIntended
    }

    var payload: ArraySlice<UInt8> { bytes[..<count] }

    mutating func reset(after previousIntended: UInt64) {
        count = 0
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
