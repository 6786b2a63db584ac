/// A binary min-heap of operations by (intended time, insertion order), so equal times keep their order.
struct OperationHeap {
    private var items: [(key: (UInt64, UInt64), operation: TraceOperation)] = []

    var peek: TraceOperation? { items.first?.operation }

    mutating func removeAll() { items.removeAll() }

    mutating func push(_ operation: TraceOperation, sequence: UInt64) {
        items.append(((operation.intendedNanos, sequence), operation))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].key < items[parent].key else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> TraceOperation {
        let top = items[0].operation
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].key < items[smallest].key { smallest = left }
            if right < items.count, items[right].key < items[smallest].key { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
