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
            for (second, sparse) in theirs.enumerated() where second < seconds.count && !sparse.values.isEmpty {
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
    /// These buckets and `other`'s (same significant digits) added: a merge of two sorted lists of values.
    func adding(_ other: Self) -> Self {
        var sum = self
        sum.values = []
        sum.counts = []
        var (left, right) = (0, 0)
        while left < values.count || right < other.values.count {
            if right == other.values.count || (left < values.count && values[left] < other.values[right]) {
                sum.values.append(values[left]); sum.counts.append(counts[left]); left += 1
            } else if left == values.count || other.values[right] < values[left] {
                sum.values.append(other.values[right]); sum.counts.append(other.counts[right]); right += 1
            } else {
                sum.values.append(values[left]); sum.counts.append(counts[left] + other.counts[right]); left += 1; right += 1
            }
        }
        return sum
    }
}
