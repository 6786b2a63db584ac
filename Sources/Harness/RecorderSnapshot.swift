import Histogram
import SurgeCore
import Workload

/// A worker recorder's (or several workers' merged) measurements, lossless and `Codable`: what a shard writes so that
/// `merge` can add shards exactly, histograms bucket by bucket.
struct RecorderSnapshot: Codable, Sendable {
    /// A histogram as its non-empty buckets (a value of each bucket and its count); rebuilt, it equals the original.
    /// Encoded with its buckets in one string, "value:count value:count ...": a record holds about a million numbers,
    /// which as JSON arrays would cost the encoder tens of bytes each while the run still holds its tables (records of
    /// version 1 hold `values` and `counts` arrays, still read).
    ///
    /// In memory the buckets are bytes: each bucket's value as the step from the one before and its count, as LEB128
    /// varints, a few bytes a bucket where two arrays of 64-bit numbers took 16 or more. A replay keeps one for every
    /// second of its schedule, so this is what lets a long run's per-second response times stay small.
    struct SparseHistogram: Codable, Sendable {
        var digits: Int8
        private var bytes: [UInt8]

        /// True when no bucket holds anything.
        var isEmpty: Bool { bytes.isEmpty }

        /// The buckets by ascending value.
        var buckets: Buckets { Buckets(bytes: bytes) }

        /// Walks the buckets of a sparse histogram.
        struct Buckets: Sequence, IteratorProtocol {
            private var reader: TraceByteReader
            private var value: UInt64 = 0

            fileprivate init(bytes: [UInt8]) { reader = TraceByteReader(bytes) }

            mutating func next() -> (value: UInt64, count: UInt64)? {
                // The bytes are only ever this type's own encoding, so a varint never fails to read.
                guard !reader.isAtEnd, let step = try? reader.varint(), let count = try? reader.varint() else { return nil }
                value &+= step
                return (value, count)
            }
        }

        /// The histogram of `buckets`, whose values must ascend.
        init(digits: Int8, buckets: some Sequence<(value: UInt64, count: UInt64)>) {
            self.digits = digits
            var bytes: [UInt8] = []
            var previous: UInt64 = 0
            for (value, count) in buckets {
                precondition(value >= previous, "a sparse histogram's buckets ascend")
                TraceCoding.appendVarint(value - previous, to: &bytes)
                TraceCoding.appendVarint(count, to: &bytes)
                previous = value
            }
            self.bytes = bytes.withUnsafeBufferPointer { Array($0) }  // a copy exactly sized: many are kept
        }

        private enum CodingKeys: String, CodingKey { case digits, buckets, values, counts }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(digits, forKey: .digits)
            var text = ""
            text.reserveCapacity(bytes.count * 4)
            for (value, count) in buckets {
                if !text.isEmpty { text += " " }
                text += "\(value):\(count)"
            }
            try container.encode(text, forKey: .buckets)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let digits = try container.decode(Int8.self, forKey: .digits)
            var pairs: [(value: UInt64, count: UInt64)] = []
            if let text = try container.decodeIfPresent(String.self, forKey: .buckets) {
                for bucket in text.split(separator: " ") {
                    let parts = bucket.split(separator: ":")
                    guard parts.count == 2, let value = UInt64(parts[0]), let count = UInt64(parts[1]) else {
                        throw DecodingError.dataCorruptedError(forKey: .buckets, in: container, debugDescription: "'\(bucket.prefix(40))' is not value:count")
                    }
                    pairs.append((value, count))
                }
            } else {
                let values = try container.decode([UInt64].self, forKey: .values)
                let counts = try container.decode([UInt64].self, forKey: .counts)
                guard values.count == counts.count else {
                    throw DecodingError.dataCorruptedError(forKey: .counts, in: container, debugDescription: "as many counts as values")
                }
                pairs = zip(values, counts).map { ($0, $1) }
            }
            guard zip(pairs, pairs.dropFirst()).allSatisfy({ $0.value < $1.value }) else {
                throw DecodingError.dataCorruptedError(forKey: .buckets, in: container, debugDescription: "bucket values do not ascend")
            }
            self.init(digits: digits, buckets: pairs)
        }

        init(_ histogram: WorkerRecorder.LatencyHistogram) {
            self.init(digits: histogram.numberOfSignificantValueDigits.rawValue,
                      buckets: histogram.recordedValues().lazy.map { ($0.value, UInt64($0.count)) })
        }

        /// `histogram` with its exact largest value: the last bucket is written at the value recorded in it rather than
        /// at the bucket's top, so that the rebuilt histogram clamps its high percentiles where the original did.
        init(exactly histogram: WorkerRecorder.LatencyHistogram) {
            var buckets = histogram.recordedValues().map { (value: $0.value, count: UInt64($0.count)) }
            if !buckets.isEmpty { buckets[buckets.count - 1].value = histogram.maxRecorded }
            self.init(digits: histogram.numberOfSignificantValueDigits.rawValue, buckets: buckets)
        }

        func histogram() throws(BenchmarkError) -> WorkerRecorder.LatencyHistogram {
            guard let digits = SignificantDigits(rawValue: digits) else {
                throw BenchmarkError("a histogram of the replay record is damaged")
            }
            var histogram = WorkerRecorder.makeHistogram(digits: digits)
            for (value, count) in buckets {
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
    /// See ``WorkerRecorder/succeeded`` (absent from records written before it was kept).
    var succeeded: [UInt64]?

    init(_ recorder: WorkerRecorder) {
        response = recorder.response.map { $0.map(SparseHistogram.init(exactly:)) }
        service = recorder.service.map { $0.map(SparseHistogram.init(exactly:)) }
        secondResponse = recorder.secondResponses.sparse()
        secondLate = recorder.secondLate
        secondErrors = recorder.secondErrors
        secondCompleted = recorder.secondCompleted
        errors = recorder.errors
        wakeLag = SparseHistogram(exactly: recorder.wakeLag)
        harnessNanos = recorder.harnessNanos
        harnessSamples = recorder.harnessSamples
        completed = recorder.completed
        succeeded = recorder.succeeded
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
        succeeded = snapshot.succeeded?.count == slots ? snapshot.succeeded! : [UInt64](repeating: 0, count: slots)
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
        merged.succeeded = first.succeeded
        for other in recorders.dropFirst() {
            func addCounts(_ counts: inout [UInt64], _ more: [UInt64]) { for index in counts.indices { counts[index] += more[index] } }
            addCounts(&merged.secondLate, other.secondLate)
            addCounts(&merged.secondErrors, other.secondErrors)
            addCounts(&merged.secondCompleted, other.secondCompleted)
            addCounts(&merged.errors, other.errors)
            addCounts(&merged.succeeded, other.succeeded)
            merged.wakeLag.add(other.wakeLag)
            merged.harnessNanos += other.harnessNanos
            merged.harnessSamples += other.harnessSamples
            merged.completed += other.completed
        }
        return merged
    }
}
