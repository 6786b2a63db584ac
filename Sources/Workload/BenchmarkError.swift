/// An input SurgeBench cannot use or a step it cannot take (a scenario, a trace, a results file, a comparison, a
/// capacity search), with a message that says where and what to do.
public struct BenchmarkError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
