import Synchronization

/// What the replay acknowledged in each trace chat, for the integrity check: how many messages and the highest
/// sequence, as counters any worker adds to without a lock. Its memory follows the chats, never the trace's length.
///
/// One atomic word per chat: the highest sequence in the high half, the count in the low (each below 2^32: a chat's
/// sequences are gapless and a trace holds at most 500 M operations; a larger sequence is kept as 2^32 - 1, still
/// above anything a store could hold for the chat).
final class ChatLedger: @unchecked Sendable {
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    let chatCount: Int

    init(chatCount: Int) {
        self.chatCount = max(chatCount, 1)
        words = .allocate(capacity: self.chatCount)
        for index in 0..<self.chatCount { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: chatCount)
        words.deallocate()
    }

    /// Notes an acknowledged message of trace chat `chat` stored as `sequence`.
    @inline(__always)
    func acknowledge(chat: UInt32, sequence: UInt64) {
        guard Int(chat) < chatCount else { return }
        let word = words + Int(chat)
        let raised = UInt64(UInt32(clamping: sequence)) << 32
        var current = word.pointee.add(1, ordering: .relaxed).newValue
        while current & 0xFFFF_FFFF_0000_0000 < raised {
            let (exchanged, original) = word.pointee.compareExchange(expected: current, desired: raised | current & 0xFFFF_FFFF, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Acknowledged messages and the highest acknowledged sequence of trace chat `chat` (read after the workers joined).
    func acknowledged(chat: UInt32) -> (count: UInt64, highestSequence: UInt64) {
        guard Int(chat) < chatCount else { return (0, 0) }
        let word = words[Int(chat)].load(ordering: .relaxed)
        return (word & 0xFFFF_FFFF, word >> 32)
    }
}
