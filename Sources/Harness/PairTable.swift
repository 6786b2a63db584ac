import Synchronization

/// Two numbers per (trace user, trace chat) for the integrity check: the highest read watermark acknowledged and the
/// messages the user had acknowledged as sender in the chat. One atomic word per pair of the trace (``PairIndex``
/// says where), which every worker updates without a lock: the watermark in the high half, the sent count in the low
/// (each below 2^32, as a trace holds at most 500 M operations).
final class PairTable: @unchecked Sendable {
    private let index: PairIndex
    private let words: UnsafeMutablePointer<Atomic<UInt64>>

    init(index: PairIndex) {
        self.index = index
        words = .allocate(capacity: max(index.count, 1))
        for position in 0..<max(index.count, 1) { (words + position).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: max(index.count, 1))
        words.deallocate()
    }

    /// Raises the watermark of `user` in `chat` to `value` (it never goes down).
    func raiseWatermark(user: UInt32, chat: UInt32, to value: UInt64) {
        let raised = UInt64(UInt32(clamping: value)) << 32
        let word = slot(user: user, chat: chat)
        var current = word.pointee.load(ordering: .relaxed)
        while current & 0xFFFF_FFFF_0000_0000 < raised {
            let (exchanged, original) = word.pointee.compareExchange(
                expected: current, desired: raised | current & 0xFFFF_FFFF, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Adds `amount` to the messages `user` sent in `chat`.
    func addSent(user: UInt32, chat: UInt32, _ amount: UInt64) {
        slot(user: user, chat: chat).pointee.add(amount, ordering: .relaxed)
    }

    /// The watermark of `user` in `chat`, 0 when none was recorded (read after the workers joined).
    func watermark(user: UInt32, chat: UInt32) -> UInt64 { packed(user: user, chat: chat) >> 32 }

    /// The messages `user` sent in `chat`, 0 when none was recorded (read after the workers joined).
    func sent(user: UInt32, chat: UInt32) -> UInt64 { packed(user: user, chat: chat) & 0xFFFF_FFFF }

    private func slot(user: UInt32, chat: UInt32) -> UnsafeMutablePointer<Atomic<UInt64>> {
        guard let position = index.position(user: user, chat: chat) else {
            preconditionFailure("user \(user) in chat \(chat) is not among the trace's pairs the table was made for")
        }
        return words + position
    }

    private func packed(user: UInt32, chat: UInt32) -> UInt64 {
        index.position(user: user, chat: chat).map { words[$0].load(ordering: .relaxed) } ?? 0
    }
}
