import Histogram
import Synchronization

/// Response and service times by slot (phase * kinds + kind), shared by the workers of a replay: each worker collects
/// its operations' times in a small buffer of its own (``WorkerRecorder``) and adds them here a batch at a time, so
/// the histograms (about 100 KB each at three significant digits) exist once per replay, not once per worker.
final class SlotHistograms: Sendable {
    typealias LatencyHistogram = WorkerRecorder.LatencyHistogram

    /// One measured operation's times, waiting in a worker's buffer.
    struct Sample {
        var slot: UInt32
        var responseNanos: UInt64
        var serviceNanos: UInt64
    }

    private struct Slots {
        var response: [LatencyHistogram?]
        var service: [LatencyHistogram?]
    }

    private let slots: Mutex<Slots>

    /// Histograms for the slots in `present` of `count`; the others stay nil and ignore what is recorded in them.
    init(count: Int, present: Set<Int>) {
        let response = (0..<count).map { present.contains($0) ? WorkerRecorder.makeHistogram() : nil }
        slots = Mutex(Slots(response: response, service: response))
    }

    init(response: [LatencyHistogram?], service: [LatencyHistogram?]) {
        slots = Mutex(Slots(response: response, service: service))
    }

    /// The sum of `all` (same slots), each counted once however many workers share it.
    convenience init(summing all: [SlotHistograms]) {
        let distinct = distinctInstances(all)
        self.init(response: distinct.first?.response ?? [], service: distinct.first?.service ?? [])
        for other in distinct.dropFirst() { add(other) }
    }

    var response: [LatencyHistogram?] { slots.withLock { $0.response } }
    var service: [LatencyHistogram?] { slots.withLock { $0.service } }

    /// Records a worker's batch of measured operations.
    func record(_ samples: [Sample]) {
        slots.withLock { slots in
            for sample in samples where Int(sample.slot) < slots.response.count && slots.response[Int(sample.slot)] != nil {
                slots.response[Int(sample.slot)]!.recordClamped(sample.responseNanos)
                slots.service[Int(sample.slot)]!.recordClamped(sample.serviceNanos)
            }
        }
    }

    /// Adds `other`'s counts (same slots) to these.
    func add(_ other: SlotHistograms) {
        let (response, service) = (other.response, other.service)
        slots.withLock { slots in
            func add(_ more: [LatencyHistogram?], to mine: inout [LatencyHistogram?]) {
                for (slot, histogram) in more.enumerated() where slot < mine.count {
                    guard let histogram else { continue }
                    if mine[slot] == nil { mine[slot] = histogram } else { mine[slot]!.add(histogram) }
                }
            }
            add(response, to: &slots.response)
            add(service, to: &slots.service)
        }
    }
}

/// `all` without repeated instances (the structures several workers share), in their first order.
func distinctInstances<Instance: AnyObject>(_ all: [Instance]) -> [Instance] {
    var distinct: [Instance] = []
    for instance in all where !distinct.contains(where: { $0 === instance }) { distinct.append(instance) }
    return distinct
}
