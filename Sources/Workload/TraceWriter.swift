import Foundation

/// Writes a trace: the header, then checksummed blocks of operations, then an end block with the operation count
/// and the digest of every block, so a truncated or altered trace is always detected. Streaming: one block in memory.
///
/// The file appears at its path only after ``finish()``; an abandoned writer leaves nothing.
public final class TraceWriter {
    static let operationsPerBlock = 4096

    private let file: AtomicFile
    private var block: [UInt8] = []
    private var blockCount: UInt32 = 0
    private var previousIntended: UInt64 = 0
    private var digest = TraceCoding.fnv1a([])
    public private(set) var operationCount: UInt64 = 0

    public init(path: String, header: TraceHeader) throws(BenchmarkError) {
        file = try AtomicFile(path: path)
        try file.write(header.encoded())
        block.reserveCapacity(64 * 1024)
    }

    /// Appends an operation; operations must come in intended-time order.
    public func append(_ operation: TraceOperation) throws(BenchmarkError) {
        precondition(operation.intendedNanos >= previousIntended, "the generator emits operations in intended-time order")
        Self.encode(operation, after: previousIntended, into: &block)
        previousIntended = operation.intendedNanos
        blockCount += 1
        operationCount += 1
        if blockCount == Self.operationsPerBlock { try flushBlock() }
    }

    /// Appends operations in intended-time order, encoding and checksumming whole blocks on `threads` threads; the
    /// bytes are the same as appending them one by one.
    public func append(contentsOf operations: [TraceOperation], threads: Int) throws(BenchmarkError) {
        var index = 0
        while index < operations.count, blockCount != 0 {
            try append(operations[index])
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
                            var previous = from == first ? start : input[from - 1].intendedNanos
                            var payload: [UInt8] = []
                            payload.reserveCapacity(32 * Self.operationsPerBlock)
                            for operation in input[from..<from + Self.operationsPerBlock] {
                                precondition(operation.intendedNanos >= previous, "the generator emits operations in intended-time order")
                                Self.encode(operation, after: previous, into: &payload)
                                previous = operation.intendedNanos
                            }
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
            operationCount += UInt64(blocks * Self.operationsPerBlock)
        }
        while index < operations.count {
            try append(operations[index])
            index += 1
        }
    }

    /// One operation's bytes: its fields as varints, its intended time as the step from the one before.
    private static func encode(_ operation: TraceOperation, after previousIntended: UInt64, into block: inout [UInt8]) {
        let flags = operation.kind.rawValue | (operation.isSetup ? 0x10 : 0) | (operation.isRetry ? 0x20 : 0)
        block.append(flags)
        block.append(operation.phase)
        TraceCoding.appendVarint(UInt64(operation.community), to: &block)
        TraceCoding.appendVarint(UInt64(operation.lane), to: &block)
        TraceCoding.appendVarint(operation.intendedNanos - previousIntended, to: &block)
        TraceCoding.appendVarint(UInt64(operation.user), to: &block)
        TraceCoding.appendVarint(UInt64(operation.argument), to: &block)
        TraceCoding.appendVarint(UInt64(operation.chat), to: &block)
        TraceCoding.appendVarint(operation.clientMessageID, to: &block)
        TraceCoding.appendVarint(UInt64(operation.list.count), to: &block)
        for item in operation.list { TraceCoding.appendVarint(item, to: &block) }
    }

    private func flushBlock() throws(BenchmarkError) {
        guard blockCount > 0 else { return }
        try writeBlock(count: blockCount, payload: block, checksum: TraceCoding.crc32(block))
        digest = TraceCoding.fnv1a(block, continuing: digest)
        block.removeAll(keepingCapacity: true)
        blockCount = 0
    }

    private func writeBlock(count: UInt32, payload: [UInt8], checksum: UInt32) throws(BenchmarkError) {
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
