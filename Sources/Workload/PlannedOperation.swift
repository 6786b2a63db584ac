/// A trace operation as the generator plans it: every field of ``TraceOperation`` but the list, which waits aside
/// (`listSlot`, 0 for none), so that moving operations through heaps, buffers and the merge copies plain words and
/// never an array reference.
struct PlannedOperation {
    var kind: OperationKind
    var isSetup: Bool
    var isRetry: Bool
    var phase: UInt8
    var community: UInt32
    var lane: UInt32
    var intendedNanos: UInt64
    var user: UInt32
    var argument: UInt32
    var chat: UInt32
    var clientMessageID: UInt64
    /// Where the list is (1-based: in its community's store, then in its batch's `lists`), 0 for none.
    var listSlot: UInt32 = 0
}

extension PlannedOperation {
    /// `operation` without its list.
    init(_ operation: TraceOperation) {
        self.init(kind: operation.kind, isSetup: operation.isSetup, isRetry: operation.isRetry, phase: operation.phase,
                  community: operation.community, lane: operation.lane, intendedNanos: operation.intendedNanos, user: operation.user,
                  argument: operation.argument, chat: operation.chat, clientMessageID: operation.clientMessageID)
    }

    /// The trace operation, with `list`.
    func traceOperation(list: [UInt64]) -> TraceOperation {
        TraceOperation(kind: kind, isSetup: isSetup, phase: phase, community: community, lane: lane, intendedNanos: intendedNanos, user: user,
                       argument: argument, chat: chat, clientMessageID: clientMessageID, isRetry: isRetry, list: list)
    }
}
