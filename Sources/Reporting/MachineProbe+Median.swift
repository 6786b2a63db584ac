import Orchestration

extension MachineProbe {
    /// The element-wise median of several probes (one per repetition of a pooled run); nil for none.
    public static func median(_ probes: [MachineProbe]) -> MachineProbe? {
        guard let first = probes.first else { return nil }
        return MachineProbe(
            directory: first.directory, fsyncMedianMicros: Statistics.median(probes.map(\.fsyncMedianMicros)),
            fsyncsPerSecond: Statistics.median(probes.map(\.fsyncsPerSecond)), cpuLoopMillis: Statistics.median(probes.map(\.cpuLoopMillis)))
    }
}
