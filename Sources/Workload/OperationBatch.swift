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
