/// Maps the trace's user or chat numbers to the ids the store handed out (0: not yet, or failed).
///
/// Not synchronised, on purpose: every entry is written by the one worker that owns its lane and read by that worker
/// or, for the population, only after the setup stage that wrote it has joined (a happens-before edge).
final class IdentifierTable: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0)
    }

    deinit {
        storage.deallocate()
    }

    @inline(__always)
    subscript(index: UInt32) -> UInt64 {
        get { Int(index) < storage.count ? storage[Int(index)] : 0 }
        set { storage[Int(index)] = newValue }
    }
}
