import Histogram
import Synchronization

/// The response times of every second of intended time, all workers' together, kept sparse (only the buckets that
/// hold something): a worker records the second it is in into a histogram of its own and adds it here when it moves
/// on (its operations come in intended-time order), so memory grows by a few hundred bytes a second of schedule,
/// whatever the number of workers.
final class SecondHistograms: Sendable {
    typealias Sparse = RecorderSnapshot.SparseHistogram
    private let seconds: Mutex<[Sparse?]>

    init(seconds count: Int) {
        seconds = Mutex([Sparse?](repeating: nil, count: count))
    }

    init(_ sparse: [Sparse]) {
        seconds = Mutex(sparse.map { $0 })
    }

    /// Adds `histogram`'s counts to second `second`.
    func add(_ histogram: WorkerRecorder.LatencyHistogram, second: Int) {
        guard histogram.totalCount > 0 else { return }
        let sparse = Sparse(histogram)
        seconds.withLock { seconds in
            guard second >= 0, second < seconds.count else { return }
            seconds[second] = seconds[second].map { $0.adding(sparse) } ?? sparse
        }
    }

    /// The sum of `all` (same seconds), each counted once however many workers share it.
    convenience init(summing all: [SecondHistograms]) {
        let distinct = distinctInstances(all)
        self.init(distinct.first?.sparse() ?? [])
        for other in distinct.dropFirst() { add(other) }
    }

    /// Adds every second of `other` (another shard's or run's) to these.
    func add(_ other: SecondHistograms) {
        let theirs = other.sparse()
        seconds.withLock { seconds in
            for (second, sparse) in theirs.enumerated() where second < seconds.count && !sparse.isEmpty {
                seconds[second] = seconds[second].map { $0.adding(sparse) } ?? sparse
            }
        }
    }

    /// Second `second`'s response times.
    func histogram(second: Int) -> WorkerRecorder.LatencyHistogram {
        let sparse = seconds.withLock { second < $0.count ? $0[second] : nil }
        return (try? sparse?.histogram()) ?? WorkerRecorder.makeHistogram(digits: .two)
    }

    /// Every second, sparse (an empty one for a second without operations).
    func sparse() -> [Sparse] {
        seconds.withLock { $0.map { $0 ?? Sparse(WorkerRecorder.makeHistogram(digits: .two)) } }
    }
}

extension RecorderSnapshot.SparseHistogram {
    /// These buckets and `other`'s (same significant digits) added: a merge of two ascending lists of values.
    func adding(_ other: Self) -> Self {
        var mine = buckets.makeIterator()
        var theirs = other.buckets.makeIterator()
        var (left, right) = (mine.next(), theirs.next())
        var sum: [(value: UInt64, count: UInt64)] = []
        while left != nil || right != nil {
            if let l = left, right == nil || l.value < right!.value {
                sum.append(l)
                left = mine.next()
            } else if let r = right, left == nil || r.value < left!.value {
                sum.append(r)
                right = theirs.next()
            } else {
                sum.append((left!.value, left!.count + right!.count))
                (left, right) = (mine.next(), theirs.next())
            }
        }
        return Self(digits: digits, buckets: sum)
    }
}
