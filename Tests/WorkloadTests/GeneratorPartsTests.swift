import Foundation
import Orchestration
import Testing
import TestSupport
@testable import Workload

/// The generator's fast parts against the plain computations they replace: each must give exactly the same answers,
/// or traces would change.
@Suite("Generator parts")
struct GeneratorPartsTests {
    @Test("a divisor's remainder is exactly %, for small, large and power-of-two divisors and extreme dividends")
    func divisorRemainders() {
        var random = SeededRandom(seed: 11)
        let divisors = [1, 2, 3, 7, 64, 781, 1023, 1024, 65_537, Int(UInt32.max), Int.max] + (0..<200).map { _ in Int(random.next() >> UInt64(1 + random.index(62))) | 1 }
        let dividends: [UInt64] = [0, 1, UInt64.max, UInt64.max - 1, 1 << 63, (1 << 63) - 1] + (0..<2000).map { _ in random.next() }
        for value in divisors {
            let divisor = Divisor(value)
            for dividend in dividends where divisor.remainder(of: dividend) != dividend % UInt64(value) {
                Issue.record("\(dividend) % \(value): \(divisor.remainder(of: dividend)), expected \(dividend % UInt64(value))")
                return
            }
        }
        // The index a stream draws is its next number modulo the count, through the table or not.
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        for count in [1, 2, 200, 1023, 1024, 5000, 1_000_003] {
            for _ in 0..<100 { #expect(a.index(count) == Int(b.next() % UInt64(count))) }
        }
    }

    @Test("a Zipf table's guided draw finds the index a binary search of the whole table finds")
    func zipfGuide() {
        for (count, exponent) in [(1, 1.1), (2, 1.1), (3, 0.5), (198, 1.5), (797, 1.1), (5000, 2.5), (70_000, 1.1)] {
            let table = ZipfTable(count: count, exponent: exponent)
            var running = 0.0
            let cumulative = (0..<count).map { rank in
                running += 1 / pow(Double(rank + 1), exponent)
                return running
            }
            var guided = SeededRandom(seed: UInt64(count))
            var plain = SeededRandom(seed: UInt64(count))
            for _ in 0..<20_000 {
                let target = plain.unit() * cumulative[count - 1]
                var low = 0  // the search of the whole table the guide replaced
                var high = count - 1
                while low < high {
                    let middle = (low + high) / 2
                    if cumulative[middle] < target { low = middle + 1 } else { high = middle }
                }
                let expected = low
                let drawn = table.draw(&guided)
                if drawn != expected {
                    Issue.record("count \(count), exponent \(exponent): drew \(drawn), expected \(expected)")
                    return
                }
            }
        }
    }

    @Test("a window's operations come out ordered by time, then community buffer, then place, with ties and empty buffers")
    func windowOrder() {
        var random = SeededRandom(seed: 3)
        var order = WindowOrder()
        for (windowStart, length, perBuffer) in [(UInt64(0), UInt64(1_000_000_000), 40), (5_000_000_000, 1_000_000_000, 0), (7, 3, 9), (0, 1 << 40, 100)] {
            let buffers = (0..<17).map { buffer in
                // Ordered runs with repeated times; some buffers empty.
                let count = buffer % 5 == 0 ? 0 : random.index(perBuffer + 1)
                return (0..<count).map { _ in windowStart + UInt64(random.index(Int(min(length, 50)))) * (length / min(length, 50)) }
                    .sorted()
                    .map { PlannedOperation(kind: .send, isSetup: false, isRetry: false, phase: 0, community: UInt32(buffer), lane: 0,
                                            intendedNanos: $0, user: 0, argument: 0, chat: 0, clientMessageID: 0) }
            }
            order.sort(buffers, windowStart: windowStart, windowLength: length)
            var expected: [(UInt64, UInt32, UInt32)] = []
            for (buffer, operations) in buffers.enumerated() {
                for (index, operation) in operations.enumerated() { expected.append((operation.intendedNanos, UInt32(buffer), UInt32(index))) }
            }
            expected.sort { $0 < $1 }
            #expect(order.places.map { "\($0.time)/\($0.buffer)/\($0.index)" } == expected.map { "\($0.0)/\($0.1)/\($0.2)" })
        }
    }

    @Test("the heap of pending steps gives back the earliest each time, equal times in the order they were pushed")
    func heapOrder() {
        var random = SeededRandom(seed: 8)
        var heap = OperationHeap()
        var pending: [(time: UInt64, sequence: UInt64)] = []  // the reference: what is pending, searched for its least
        var sequence: UInt64 = 0
        for round in 0..<3000 {
            // Pushes and pops interleaved, with many equal times; the sequence rides in the client message id.
            for _ in 0..<random.index(4) {
                sequence += 1
                let time = UInt64(round / 10 + random.index(20))
                pending.append((time, sequence))
                heap.push(PlannedOperation(kind: .send, isSetup: false, isRetry: false, phase: 0, community: 0, lane: 0, intendedNanos: time,
                                           user: 0, argument: 0, chat: 0, clientMessageID: sequence), sequence: sequence)
            }
            while !pending.isEmpty, round == 2999 || random.chance(0.5) {
                let least = pending.indices.min { (pending[$0].time, pending[$0].sequence) < (pending[$1].time, pending[$1].sequence) }!
                #expect(heap.peekTime == pending[least].time)
                let step = heap.pop()
                #expect(step.clientMessageID == pending[least].sequence && step.intendedNanos == pending[least].time)
                pending.remove(at: least)
            }
        }
        #expect(heap.peekTime == nil)
    }

    @Test("the generator's traces are pinned: any change to how a trace is drawn or encoded shows here")
    func pinnedTraces() throws {
        let directory = try ScratchDirectory()
        for (name, scale, digest) in [("outage-2021", 3.0, "8a51c9e734c8912c"), ("signal-2021", 3.0, "aa1709a44562af66"), ("smoke", 1.0, "200ad00caa2e419d")] {
            // As `surgebench generate --scenario NAME --scale SCALE` makes it.
            let scenario = try BuiltInScenarios.scenario(named: name).scaled(by: scale)
            let trace = try TracePlanning.generate(scenario, seed: scenario.seed, scale: scale, threads: 2, to: directory.file(name))
            #expect(trace.digest == UInt64(digest, radix: 16), "\(name) at scale \(scale)")
        }
    }
}
