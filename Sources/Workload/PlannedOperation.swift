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
    var listSlot: UInt32

    init(kind: OperationKind, isSetup: Bool, isRetry: Bool, phase: UInt8, community: UInt32, lane: UInt32, intendedNanos: UInt64,
         user: UInt32, argument: UInt32, chat: UInt32, clientMessageID: UInt64, listSlot: UInt32 = 0) {
        self.kind = kind
        self.isSetup = isSetup
        self.isRetry = isRetry
        self.phase = phase
        self.community = community
        self.lane = lane
        self.intendedNanos = intendedNanos
        self.user = user
        self.argument = argument
        self.chat = chat
        self.clientMessageID = clientMessageID
        self.listSlot = listSlot
    }

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

/// Operations in trace order with their lists: what the generator hands on, a batch at a time (a setup stage of a
/// few communities, a second of the schedule). `operations[i].listSlot` is 1 + its list's index in `lists`.
struct OperationBatch {
    var operations: [PlannedOperation] = []
    var lists: [[UInt64]] = []

    mutating func removeAll() {
        operations.removeAll(keepingCapacity: true)
        lists.removeAll(keepingCapacity: true)
    }

    /// Appends `operation`, whose list (if any) `list` gives.
    mutating func append(_ operation: PlannedOperation, list: () -> [UInt64]) {
        var operation = operation
        if operation.listSlot != 0 {
            lists.append(list())
            operation.listSlot = UInt32(lists.count)
        }
        operations.append(operation)
    }

    func list(of operation: PlannedOperation) -> [UInt64] {
        operation.listSlot == 0 ? [] : lists[Int(operation.listSlot) - 1]
    }
}
