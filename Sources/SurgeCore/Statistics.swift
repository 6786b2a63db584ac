import Foundation

/// The few statistics the machine probe, reports and comparisons need.
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

    /// A relative change with its confidence interval; `low`/`high` are nil when the samples are too few for the
    /// confidence asked (the interval is then unbounded).
    public struct RelativeChange: Sendable, Hashable {
        public var estimate: Double
        public var low: Double?
        public var high: Double?
    }

    /// The relative change from `baseline` to `candidate` as the Hodges-Lehmann estimate of the shift between their
    /// logarithms (the median of all pairwise log ratios), with the distribution-free interval that inverts the
    /// Mann-Whitney rank test (Moses): exact for any sample sizes, valid at `confidence` whatever the distribution,
    /// and robust to one outlying run, unlike an interval around medians of 3 values. Values must be positive.
    public static func relativeChange(baseline: [Double], candidate: [Double], confidence: Double) -> RelativeChange {
        precondition(!baseline.isEmpty && !candidate.isEmpty && (baseline + candidate).allSatisfy { $0 > 0 })
        let differences = candidate.flatMap { c in baseline.map { b in log(c) - log(b) } }.sorted()
        let estimate = exp(median(differences)) - 1
        let rank = mannWhitneyCriticalRank(baseline.count, candidate.count, alpha: 1 - confidence)
        guard rank > 0 else { return RelativeChange(estimate: estimate, low: nil, high: nil) }
        return RelativeChange(estimate: estimate, low: exp(differences[rank - 1]) - 1, high: exp(differences[differences.count - rank]) - 1)
    }

    /// The largest `c` with P(U < c) <= alpha/2 for the Mann-Whitney statistic U of samples of sizes `m` and `n` under
    /// the null hypothesis; 0 when even U = 0 is likelier than that (no interval at this confidence).
    public static func mannWhitneyCriticalRank(_ m: Int, _ n: Int, alpha: Double) -> Int {
        let distribution = mannWhitneyDistribution(m, n)
        let total = distribution.reduce(0, +)
        var cumulative = 0.0
        var rank = 0
        while rank < distribution.count, (cumulative + distribution[rank]) / total <= alpha / 2 {
            cumulative += distribution[rank]
            rank += 1
        }
        return rank
    }

    /// How many arrangements of `m` + `n` ranks give each value 0...m*n of U: the coefficients of the Gaussian
    /// binomial [m+n choose m], built as the product of (1 - q^(n+i)) / (1 - q^i) for i in 1...m.
    public static func mannWhitneyDistribution(_ m: Int, _ n: Int) -> [Double] {
        var coefficients = [Double](repeating: 0, count: m * n + 1)
        coefficients[0] = 1
        for i in stride(from: 1, through: m, by: 1) {
            let multiply = n + i
            if multiply < coefficients.count {
                for k in stride(from: coefficients.count - 1, through: multiply, by: -1) { coefficients[k] -= coefficients[k - multiply] }
            }
            if i < coefficients.count {
                for k in i..<coefficients.count { coefficients[k] += coefficients[k - i] }
            }
        }
        return coefficients
    }

    /// The smallest equal number of runs a side for which `relativeChange` gives a bounded interval at `confidence`.
    public static func runsNeeded(confidence: Double) -> Int {
        var runs = 2
        while runs < 100, mannWhitneyCriticalRank(runs, runs, alpha: 1 - confidence) == 0 { runs += 1 }
        return runs
    }
}
