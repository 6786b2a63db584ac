import Histogram
import Workload

/// A worker recorder's (or several workers' merged) measurements, lossless and `Codable`: what a shard writes so that
/// `merge` can add shards exactly, histograms bucket by bucket.
struct RecorderSnapshot: Codable, Sendable {
    /// A histogram as its non-empty buckets (a value of each bucket and its count); rebuilt, it equals the original.
    struct SparseHistogram: Codable, Sendable {
        var digits: Int8
        var values: [UInt64]
        var counts: [UInt64]

        init(_ histogram: WorkerRecorder.LatencyHistogram) {
            digits = histogram.numberOfSignificantValueDigits.rawValue
            values = []
            counts = []
            for bucket in histogram.recordedValues() {
                values.append(bucket.value)
                counts.append(UInt64(bucket.count))
            }
        }

        func histogram() throws(BenchmarkError) -> WorkerRecorder.LatencyHistogram {
            guard let digits = SignificantDigits(rawValue: digits), values.count == counts.count else {
                throw BenchmarkError("a histogram of the replay record is damaged")
            }
            var histogram = WorkerRecorder.makeHistogram(digits: digits)
            for (value, count) in zip(values, counts) {
                guard let count = UInt32(exactly: count), value <= histogram.highestTrackableValue, histogram.record(value, count: count) else {
                    throw BenchmarkError("a histogram of the replay record is damaged (value \(value), count \(count))")
                }
            }
            return histogram
        }
    }

    var response: [SparseHistogram?]
    var service: [SparseHistogram?]
    var secondResponse: [SparseHistogram]
    var secondLate: [UInt64]
    var secondErrors: [UInt64]
    var secondCompleted: [UInt64]
    var errors: [UInt64]
    var wakeLag: SparseHistogram
    var harnessNanos: UInt64
    var harnessSamples: UInt64
    var completed: UInt64

    init(_ recorder: WorkerRecorder) {
        response = recorder.response.map { $0.map(SparseHistogram.init) }
        service = recorder.service.map { $0.map(SparseHistogram.init) }
        secondResponse = recorder.secondResponses.sparse()
        secondLate = recorder.secondLate
        secondErrors = recorder.secondErrors
        secondCompleted = recorder.secondCompleted
        errors = recorder.errors
        wakeLag = SparseHistogram(recorder.wakeLag)
        harnessNanos = recorder.harnessNanos
        harnessSamples = recorder.harnessSamples
        completed = recorder.completed
    }
}

extension WorkerRecorder {
    /// A recorder holding `snapshot`'s measurements; throws when they do not fit `phaseCount` phases and `seconds`.
    convenience init(_ snapshot: RecorderSnapshot, phaseCount: Int, seconds: Int) throws(BenchmarkError) {
        let slots = phaseCount * Self.kindCount
        guard snapshot.response.count == slots, snapshot.service.count == slots, snapshot.secondResponse.count == seconds,
              snapshot.secondLate.count == seconds, snapshot.secondErrors.count == seconds * Self.categoryCount,
              snapshot.secondCompleted.count == seconds * 4 + 60, snapshot.errors.count == Self.kindCount * Self.categoryCount
        else { throw BenchmarkError("the replay record does not match its scenario's phases and seconds") }
        self.init(phaseCount: 0, seconds: 0, presentSlots: [])
        for slot in 0..<slots {
            response.append(try snapshot.response[slot]?.histogram())
            service.append(try snapshot.service[slot]?.histogram())
        }
        for histogram in snapshot.secondResponse { _ = try histogram.histogram() }  // checked here, kept sparse
        secondResponses = SecondHistograms(snapshot.secondResponse)
        secondLate = snapshot.secondLate
        secondErrors = snapshot.secondErrors
        secondCompleted = snapshot.secondCompleted
        errors = snapshot.errors
        wakeLag = try snapshot.wakeLag.histogram()
        harnessNanos = snapshot.harnessNanos
        harnessSamples = snapshot.harnessSamples
        completed = snapshot.completed
    }

    /// All of `recorders`' measurements in one recorder (they share phases and seconds).
    static func merged(_ recorders: [WorkerRecorder]) -> WorkerRecorder {
        let merged = WorkerRecorder(phaseCount: 0, seconds: 0, presentSlots: [])
        guard let first = recorders.first else { return merged }
        merged.response = first.response
        merged.service = first.service
        merged.secondResponses = SecondHistograms(first.secondResponses.sparse())
        merged.secondLate = first.secondLate
        merged.secondErrors = first.secondErrors
        merged.secondCompleted = first.secondCompleted
        merged.errors = first.errors
        merged.wakeLag = first.wakeLag
        merged.harnessNanos = first.harnessNanos
        merged.harnessSamples = first.harnessSamples
        merged.completed = first.completed
        for recorder in recorders.dropFirst() { merged.add(recorder) }
        return merged
    }

    /// Adds `other`'s measurements (same phases and seconds) to this recorder's.
    func add(_ other: WorkerRecorder) {
        for slot in response.indices {
            if let histogram = other.response[slot] { response[slot] = response[slot].map { var sum = $0; sum.add(histogram); return sum } ?? histogram }
            if let histogram = other.service[slot] { service[slot] = service[slot].map { var sum = $0; sum.add(histogram); return sum } ?? histogram }
        }
        if other.secondResponses !== secondResponses { secondResponses.add(other.secondResponses) }
        func addCounts(_ counts: inout [UInt64], _ more: [UInt64]) { for index in counts.indices { counts[index] += more[index] } }
        addCounts(&secondLate, other.secondLate)
        addCounts(&secondErrors, other.secondErrors)
        addCounts(&secondCompleted, other.secondCompleted)
        addCounts(&errors, other.errors)
        wakeLag.add(other.wakeLag)
        harnessNanos += other.harnessNanos
        harnessSamples += other.harnessSamples
        completed += other.completed
    }
}
