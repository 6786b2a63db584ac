/// A small, fast generator whose output depends only on its seed: SplitMix64 (Steele, Lea, Flood 2014).
/// Integer-only, so the same seed gives the same numbers on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) from the top 53 bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// An index in 0..<count.
    public mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An exponentially distributed value with the given mean.
    public mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }
}

/// Draws indices 0..<count with probability proportional to 1/(rank+1)^exponent (Zipf), by a precomputed table.
public struct ZipfTable: Sendable {
    private let cumulative: [Double]

    public init(count: Int, exponent: Double) {
        var running = 0.0
        cumulative = (0..<max(count, 1)).map { rank in
            running += 1 / pow(Double(rank + 1), exponent)
            return running
        }
    }

    public func draw(_ random: inout SeededRandom) -> Int {
        let target = random.unit() * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

import Foundation
