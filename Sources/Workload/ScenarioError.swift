/// A scenario or trace that cannot be used, with a message that says where and what to do.
public struct WorkloadError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
