import Histogram

extension Histogram {
    /// The percentile distribution in HdrHistogram's `.hgrm` text format, values in milliseconds, as HdrHistogram's
    /// plotter reads it.
    public func hgrm() -> String {
        var text = ""
        outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1e6, percentileTicksPerHalfDistance: 5)
        return text
    }
}
