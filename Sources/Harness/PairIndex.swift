/// The distinct (trace user, trace chat) pairs of a trace's sends and mark-reads, chat by chat: where the integrity
/// check keeps each pair's numbers (``PairTable``). Exactly sized, 4 bytes a pair and 4 a chat: chat c's pairs are
/// positions `offsets[c]..<offsets[c + 1]`, their users in ascending order.
struct PairIndex: Sendable {
    private let offsets: [UInt32]
    private let users: [UInt32]

    /// The number of pairs.
    var count: Int { users.count }

    /// The index of the pairs `collector` gathered, whose chats are all below `chatCount`.
    init(_ collector: consuming PairCollector, chatCount: Int) {
        let keys = collector.sortedKeys()
        var offsets = [UInt32](repeating: 0, count: chatCount + 1)
        for key in keys { offsets[Int(key >> 32) + 1] += 1 }
        for chat in 0..<chatCount { offsets[chat + 1] += offsets[chat] }
        self.offsets = offsets
        users = keys.map { UInt32(truncatingIfNeeded: $0) }
    }

    /// The position of `user`'s pair in `chat`, nil when the trace has no such pair.
    @inline(__always)
    func position(user: UInt32, chat: UInt32) -> Int? {
        guard Int(chat) + 1 < offsets.count else { return nil }
        var low = Int(offsets[Int(chat)])
        var high = Int(offsets[Int(chat) + 1])
        while low < high {
            let middle = (low + high) / 2
            if users[middle] == user { return middle }
            if users[middle] < user { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}

/// Gathers (user, chat) pairs during a trace's first pass, in memory that follows the distinct pairs, not the
/// operations: repeats are sorted out whenever the buffer would otherwise grow.
struct PairCollector {
    private var keys: [UInt64] = []

    mutating func insert(user: UInt32, chat: UInt32) {
        if keys.count == keys.capacity, keys.count >= 4_096 {
            sortOutRepeats()
            if keys.count > keys.capacity / 2 { keys.reserveCapacity(keys.capacity * 2) }
        }
        keys.append(UInt64(chat) << 32 | UInt64(user))
    }

    /// Every pair once, by chat and then user (chat << 32 | user).
    consuming func sortedKeys() -> [UInt64] {
        sortOutRepeats()
        return keys
    }

    private mutating func sortOutRepeats() {
        keys.sort()
        var kept = 0
        for index in keys.indices where kept == 0 || keys[kept - 1] != keys[index] {
            keys[kept] = keys[index]
            kept += 1
        }
        keys.removeLast(keys.count - kept)
    }
}
