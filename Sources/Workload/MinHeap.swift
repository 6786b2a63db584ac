/// A binary min-heap: the generator's pending session steps.
///
/// Elements move into a hole rather than being swapped, and a pop walks the hole from the root down to a leaf along
/// the smaller children before the last element rises into it (Floyd's bottom-up deletion: one comparison a level
/// on the way down, and the last element, a late one, rarely rises far).
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    var first: Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        items.withUnsafeMutableBufferPointer { Self.rise(element, from: $0.count - 1, in: $0) }
    }

    /// Removes and returns the smallest element.
    mutating func popFirst() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items.withUnsafeMutableBufferPointer { items in
            let count = items.count
            var hole = 0
            while true {
                let left = 2 * hole + 1
                guard left < count else { break }
                let smaller = left + 1 < count && items[left + 1] < items[left] ? left + 1 : left
                items[hole] = items[smaller]
                hole = smaller
            }
            Self.rise(last, from: hole, in: items)
        }
        return top
    }

    /// Puts `element` in the hole at `hole` or, moving larger parents down into the hole, as far up as it belongs.
    private static func rise(_ element: Element, from hole: Int, in items: UnsafeMutableBufferPointer<Element>) {
        var hole = hole
        while hole > 0 {
            let parent = (hole - 1) / 2
            guard element < items[parent] else { break }
            items[hole] = items[parent]
            hole = parent
        }
        items[hole] = element
    }
}
