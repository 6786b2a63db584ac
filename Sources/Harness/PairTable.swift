import Synchronization

/// Two numbers per (trace user, trace chat) for the integrity check: the highest read watermark acknowledged and the
/// messages the user had acknowledged as sender in the chat. An open-addressing table of atomic words that every worker
/// updates without a lock, sized before the run for the pairs the trace holds (at most three quarters of the slots
/// used): 16 bytes a slot, the two numbers packed in one word (watermark high, sent count low; each below 2^32, as
/// a trace holds at most 500 M operations).
final class PairTable: @unchecked Sendable {
    /// Slot i: key (user << 32 | chat, plus one so that 0 means empty) at 2i, the packed numbers at 2i + 1.
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let mask: Int

    init(pairs: Int) {
        var slots = 16
        while slots / 4 * 3 < pairs { slots *= 2 }
        mask = slots - 1
        words = .allocate(capacity: slots * 2)
        for index in 0..<slots * 2 { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: (mask + 1) * 2)
        words.deallocate()
    }

    private static func key(user: UInt32, chat: UInt32) -> UInt64 { (UInt64(user) << 32 | UInt64(chat)) &+ 1 }

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

    /// The numbers of `user` in `chat`, its slot claimed if it had none.
    private func slot(user: UInt32, chat: UInt32) -> UnsafeMutablePointer<Atomic<UInt64>> {
        let key = Self.key(user: user, chat: chat)
        var slot = Self.home(key) & mask
        for _ in 0...mask {
            let stored = words[slot * 2].load(ordering: .acquiring)
            if stored == key || (stored == 0 && words[slot * 2].compareExchange(expected: 0, desired: key, ordering: .acquiringAndReleasing).original == 0)
                || words[slot * 2].load(ordering: .acquiring) == key {
                return words + slot * 2 + 1
            }
            slot = (slot + 1) & mask
        }
        preconditionFailure("the table was sized from the trace's pairs")
    }

    private func packed(user: UInt32, chat: UInt32) -> UInt64 {
        let key = Self.key(user: user, chat: chat)
        var slot = Self.home(key) & mask
        for _ in 0...mask {
            let stored = words[slot * 2].load(ordering: .relaxed)
            if stored == key { return words[slot * 2 + 1].load(ordering: .relaxed) }
            if stored == 0 { return 0 }
            slot = (slot + 1) & mask
        }
        return 0
    }

    private static func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) }
}
