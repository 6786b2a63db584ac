/// A binary min-heap of operations by (intended time, insertion order), so equal times keep their order. The heap
/// moves small keys; the operations stay put in slots that are reused.
struct OperationHeap {
    private struct Key: Comparable {
        var time: UInt64
        var sequence: UInt64
        var slot: Int

        static func < (a: Key, b: Key) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }

    private var keys: [Key] = []
    private var slots: [TraceOperation] = []
    private var freeSlots: [Int] = []

    var peekTime: UInt64? { keys.first?.time }

    mutating func removeAll() {
        keys.removeAll()
        slots.removeAll()
        freeSlots.removeAll()
    }

    mutating func push(_ operation: TraceOperation, sequence: UInt64) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slots[free] = operation
            slot = free
        } else {
            slot = slots.count
            slots.append(operation)
        }
        keys.append(Key(time: operation.intendedNanos, sequence: sequence, slot: slot))
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> TraceOperation {
        let top = keys[0]
        let operation = slots[top.slot]
        freeSlots.append(top.slot)
        let last = keys.removeLast()
        if !keys.isEmpty {
            keys[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                var smallest = parent
                if left < keys.count, keys[left] < keys[smallest] { smallest = left }
                if left + 1 < keys.count, keys[left + 1] < keys[smallest] { smallest = left + 1 }
                guard smallest != parent else { break }
                keys.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return operation
    }
}
