/// A binary min-heap of operations by (intended time, insertion order), so equal times keep their order. The heap
/// moves small keys; the operations stay put in slots that are reused.
struct OperationHeap {
    private struct Key: Comparable {
        var time: UInt64
        var sequence: UInt64
        var slot: Int

        static func < (a: Key, b: Key) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }

    private var keys = MinHeap<Key>()
    private var slots: [PlannedOperation] = []
    private var freeSlots: [Int] = []

    var peekTime: UInt64? { keys.first?.time }

    mutating func push(_ operation: PlannedOperation, sequence: UInt64) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slots[free] = operation
            slot = free
        } else {
            slot = slots.count
            slots.append(operation)
        }
        keys.push(Key(time: operation.intendedNanos, sequence: sequence, slot: slot))
    }

    /// Removes and returns the earliest operation; the heap must not be empty (see `peekTime`).
    mutating func pop() -> PlannedOperation {
        guard let top = keys.popFirst() else { preconditionFailure("pop() on an empty heap") }
        freeSlots.append(top.slot)
        return slots[top.slot]
    }
}
