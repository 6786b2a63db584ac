extension Scenario {
    /// A phase with its place in the schedule, in seconds from the start.
    public struct PhaseWindow: Sendable {
        public var index: Int
        public var phase: Phase
        public var start: Double
        public var end: Double
    }

    /// Every phase in order with its start and end.
    public var phaseWindows: [PhaseWindow] {
        var start = 0.0
        return phases.enumerated().map { index, phase in
            defer { start += phase.duration.seconds }
            return PhaseWindow(index: index, phase: phase, start: start, end: start + phase.duration.seconds)
        }
    }

    /// The phase running `seconds` into the schedule (the last one after its end).
    public func phase(atSeconds seconds: Double) -> Phase? {
        phaseWindows.first { seconds < $0.end }?.phase ?? phases.last
    }
}
