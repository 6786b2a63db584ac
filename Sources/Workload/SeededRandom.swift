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

    /// An index in 0..<count: the next number modulo `count`.
    public mutating func index(_ count: Int) -> Int {
        count < Divisor.small.count ? index(Divisor.small[count]) : Int(next() % UInt64(count))
    }

    /// An index in 0..<divisor.value, the same as `index(Int(divisor.value))` gives, without a division.
    mutating func index(_ divisor: Divisor) -> Int { Int(divisor.remainder(of: next())) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An exponentially distributed value with the given mean.
    public mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }
}

import Foundation
