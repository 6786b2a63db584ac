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
        items.withUnsafeMutableBufferPointer { items in
            var hole = items.count - 1
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard element < items[parent] else { break }
                items[hole] = items[parent]
                hole = parent
            }
            items[hole] = element
        }
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
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard last < items[parent] else { break }
                items[hole] = items[parent]
                hole = parent
            }
            items[hole] = last
        }
        return top
    }
}
