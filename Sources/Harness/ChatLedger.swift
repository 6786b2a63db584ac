import Synchronization

/// What the replay acknowledged in each trace chat, for the integrity check: how many messages and the highest
/// sequence, as counters any worker adds to without a lock. Its memory follows the chats, never the trace's length.
final class ChatLedger: @unchecked Sendable {
    /// Two words per chat: acknowledged messages, highest acknowledged sequence.
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    let chatCount: Int

    init(chatCount: Int) {
        self.chatCount = max(chatCount, 1)
        words = .allocate(capacity: self.chatCount * 2)
        for index in 0..<self.chatCount * 2 { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: chatCount * 2)
        words.deallocate()
    }

    /// Notes an acknowledged message of trace chat `chat` stored as `sequence`.
    @inline(__always)
    func acknowledge(chat: UInt32, sequence: UInt64) {
        guard Int(chat) < chatCount else { return }
        words[Int(chat) * 2].add(1, ordering: .relaxed)
        words[Int(chat) * 2 + 1].max(sequence, ordering: .relaxed)
    }

    /// Acknowledged messages and the highest acknowledged sequence of trace chat `chat` (read after the workers joined).
    func acknowledged(chat: UInt32) -> (count: UInt64, highestSequence: UInt64) {
        guard Int(chat) < chatCount else { return (0, 0) }
        return (words[Int(chat) * 2].load(ordering: .relaxed), words[Int(chat) * 2 + 1].load(ordering: .relaxed))
    }
}
