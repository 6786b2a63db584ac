/// A divisor with its reciprocal precomputed, so that the remainder of any 64-bit number costs four multiplications
/// instead of a 64-bit division (tens of cycles on many processors). The remainder is exactly `%`'s (Lemire, Kaser and
/// Kurz, "Faster remainder by direct computation", 2019: a 128-bit reciprocal is exact for every 64-bit dividend).
struct Divisor {
    let value: UInt64
    /// The reciprocal, ceil(2^128 / value) modulo 2^128, in two words.
    private let high: UInt64
    private let low: UInt64

    init(_ value: Int) {
        precondition(value > 0, "a divisor is positive")
        self.value = UInt64(value)
        let reciprocal = UInt128.max / UInt128(value) &+ 1
        high = UInt64(truncatingIfNeeded: reciprocal >> 64)
        low = UInt64(truncatingIfNeeded: reciprocal)
    }

    /// The divisors 0..<1024 (0 stands in as 1, never used), shared by every caller.
    static let small: [Divisor] = (0..<1024).map { Divisor(max($0, 1)) }

    /// `dividend % value`.
    @inline(__always)
    func remainder(of dividend: UInt64) -> UInt64 {
        // The fraction: reciprocal * dividend modulo 2^128.
        let product = low.multipliedFullWidth(by: dividend)
        let fractionHigh = product.high &+ high &* dividend
        let fractionLow = product.low
        // The remainder: the fraction * value, shifted right by 128.
        let upper = fractionHigh.multipliedFullWidth(by: value)
        let lower = fractionLow.multipliedFullWidth(by: value)
        let (_, carry) = upper.low.addingReportingOverflow(lower.high)
        return upper.high &+ (carry ? 1 : 0)
    }
}
