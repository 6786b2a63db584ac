import Foundation
import Synchronization

/// Draws indices 0..<count with probability proportional to 1/(rank+1)^exponent (Zipf), by a precomputed table.
///
/// A guide table narrows each draw's binary search: the uniform number's top bits pick a slice of the table that
/// holds the answer, found exactly as a search of the whole table would find it.
public struct ZipfTable: Sendable {
    private let cumulative: [Double]
    /// guide[b]: the first index whose cumulative weight reaches the target of the uniform number b / guideSize.
    private let guide: [Int32]
    private let guideBits: Int

    public init(count: Int, exponent: Double) {
        var running = 0.0
        cumulative = (0..<max(count, 1)).map { rank in
            running += 1 / pow(Double(rank + 1), exponent)
            return running
        }
        guideBits = min(16, max(1, Int.bitWidth - (cumulative.count - 1).leadingZeroBitCount))
        let total = cumulative[cumulative.count - 1]
        var guide: [Int32] = []
        var index = 0
        for slice in 0...(1 << guideBits) {
            // The same product a draw computes: the slice's lower bound (a power-of-two fraction, exact) times the total.
            let target = Double(slice) * Double(sign: .plus, exponent: -guideBits, significand: 1) * total
            while index < cumulative.count - 1, cumulative[index] < target { index += 1 }
            guide.append(Int32(index))
        }
        self.guide = guide
    }

    public func draw(_ random: inout SeededRandom) -> Int {
        let unit = random.unit()
        let target = unit * cumulative[cumulative.count - 1]
        // unit lies in [slice, slice + 1) / guideSize, so (the product being monotonic) the answer lies between the slice's
        // first index and the next one's.
        let slice = Int(unit * Double(1 << guideBits))
        return cumulative.withUnsafeBufferPointer { cumulative in
            var low = Int(guide[slice])
            var high = Int(guide[slice + 1])
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}

/// Zipf tables shared by the communities of one generation: communities with as many chats draw from one table, a
/// single copy in the processor's caches rather than one per community (the draws are the same).
final class ZipfTableCache: Sendable {
    private struct Key: Hashable {
        let count: Int
        let exponent: Double
    }

    private let tables = Mutex<[Key: ZipfTable]>([:])

    init() {}

    /// The table for `count` indices and `exponent`, made once.
    func table(count: Int, exponent: Double) -> ZipfTable {
        let key = Key(count: count, exponent: exponent)
        if let table = tables.withLock({ $0[key] }) { return table }
        let table = ZipfTable(count: count, exponent: exponent)
        return tables.withLock { tables in
            if let made = tables[key] { return made }
            tables[key] = table
            return table
        }
    }
}
