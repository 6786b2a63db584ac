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
        previousIntended = operation.intendedNanos
        blockCount += 1
        operationCount += 1
        if blockCount == Self.operationsPerBlock { try flushBlock() }
    }

    private func flushBlock() throws(BenchmarkError) {
        guard blockCount > 0 else { return }
        try writeBlock(count: blockCount, payload: block)
        digest = TraceCoding.fnv1a(block, continuing: digest)
        block.removeAll(keepingCapacity: true)
        blockCount = 0
    }

    private func writeBlock(count: UInt32, payload: [UInt8]) throws(BenchmarkError) {
        var framed: [UInt8] = []
        TraceCoding.append(count, to: &framed)
        TraceCoding.append(UInt32(payload.count), to: &framed)
        TraceCoding.append(TraceCoding.crc32(payload), to: &framed)
        try file.write(framed + payload)
    }

    /// Writes the end block and moves the trace into place. Returns the trace digest.
    @discardableResult
    public func finish() throws(BenchmarkError) -> UInt64 {
        try flushBlock()
        var end: [UInt8] = []
        TraceCoding.append(operationCount, to: &end)
        TraceCoding.append(digest, to: &end)
        try writeBlock(count: 0, payload: end)
        try file.commit()
        return digest
    }
}
