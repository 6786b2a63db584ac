/// The few statistics reports and comparisons need.
public enum Statistics {
    /// The median (mean of the middle two for an even count); 0 for none.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// The `q` quantile (0...1) of values by linear interpolation.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// A bootstrap confidence interval for median(candidate) / median(baseline) - 1: both sets resampled with
    /// replacement `resamples` times by a seeded generator (the same inputs give the same interval).
    public static func bootstrapRelativeChange(
        baseline: [Double], candidate: [Double], confidence: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 0x5EED
    ) -> (estimate: Double, low: Double, high: Double) {
        let baselineMedian = median(baseline)
        let estimate = baselineMedian == 0 ? 0 : median(candidate) / baselineMedian - 1
        var state = seed
        func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        var changes: [Double] = []
        changes.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let b = median((0..<baseline.count).map { _ in baseline[next(baseline.count)] })
            let c = median((0..<candidate.count).map { _ in candidate[next(candidate.count)] })
            changes.append(b == 0 ? 0 : c / b - 1)
        }
        let tail = (1 - confidence) / 2
        return (estimate, quantile(changes, tail), quantile(changes, 1 - tail))
    }
}
