import Histogram
import Workload

/// A worker recorder's (or several workers' merged) measurements, lossless and `Codable`: what a shard writes so that
/// `merge` can add shards exactly, histograms bucket by bucket.
struct RecorderSnapshot: Codable, Sendable {
    /// A histogram as its non-empty buckets (a value of each bucket and its count); rebuilt, it equals the original.
    /// Encoded with its buckets in one string, "value:count value:count ...": a record holds about a million numbers,
    /// which as JSON arrays would cost the encoder tens of bytes each while the run still holds its tables (records of
    /// version 1 hold `values` and `counts` arrays, still read).
    struct SparseHistogram: Codable, Sendable {
        var digits: Int8
        var values: [UInt64]
        var counts: [UInt64]

        private enum CodingKeys: String, CodingKey { case digits, buckets, values, counts }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(digits, forKey: .digits)
            var buckets = ""
            buckets.reserveCapacity(values.count * 12)
            for (value, count) in zip(values, counts) {
                if !buckets.isEmpty { buckets += " " }
                buckets += "\(value):\(count)"
            }
            try container.encode(buckets, forKey: .buckets)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            digits = try container.decode(Int8.self, forKey: .digits)
            guard let buckets = try container.decodeIfPresent(String.self, forKey: .buckets) else {
                values = try container.decode([UInt64].self, forKey: .values)
                counts = try container.decode([UInt64].self, forKey: .counts)
                return
            }
            values = []
            counts = []
            for bucket in buckets.split(separator: " ") {
                let parts = bucket.split(separator: ":")
                guard parts.count == 2, let value = UInt64(parts[0]), let count = UInt64(parts[1]) else {
                    throw DecodingError.dataCorruptedError(forKey: .buckets, in: container, debugDescription: "'\(bucket.prefix(40))' is not value:count")
                }
                values.append(value)
                counts.append(count)
            }
        }

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
        var response: [LatencyHistogram?] = []
        var service: [LatencyHistogram?] = []
        for slot in 0..<slots {
            response.append(try snapshot.response[slot]?.histogram())
            service.append(try snapshot.service[slot]?.histogram())
        }
        latencies = SlotHistograms(response: response, service: service)
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

    /// All of `recorders`' measurements in one recorder (they share phases and seconds). The histograms that workers
    /// share count once.
    static func merged(_ recorders: [WorkerRecorder]) -> WorkerRecorder {
        let merged = WorkerRecorder(phaseCount: 0, seconds: 0, presentSlots: [])
        guard let first = recorders.first else { return merged }
        merged.latencies = SlotHistograms(summing: recorders.map(\.latencies))
        merged.secondResponses = SecondHistograms(summing: recorders.map(\.secondResponses))
        merged.secondLate = first.secondLate
        merged.secondErrors = first.secondErrors
        merged.secondCompleted = first.secondCompleted
        merged.errors = first.errors
        merged.wakeLag = first.wakeLag
        merged.harnessNanos = first.harnessNanos
        merged.harnessSamples = first.harnessSamples
        merged.completed = first.completed
        for other in recorders.dropFirst() {
            func addCounts(_ counts: inout [UInt64], _ more: [UInt64]) { for index in counts.indices { counts[index] += more[index] } }
            addCounts(&merged.secondLate, other.secondLate)
            addCounts(&merged.secondErrors, other.secondErrors)
            addCounts(&merged.secondCompleted, other.secondCompleted)
            addCounts(&merged.errors, other.errors)
            merged.wakeLag.add(other.wakeLag)
            merged.harnessNanos += other.harnessNanos
            merged.harnessSamples += other.harnessSamples
            merged.completed += other.completed
        }
        return merged
    }
}
