import Synchronization

/// A number per (trace user, trace chat) for the integrity check (the highest read watermark acknowledged, the
/// messages a sender had acknowledged in a chat): an open-addressing table of atomic words that every worker updates
/// without a lock, sized before the run for the pairs the trace holds (two words a slot, at most half of them used).
final class PairTable: @unchecked Sendable {
    /// Slot i: key (user << 32 | chat, plus one so that 0 means empty) at 2i, watermark at 2i + 1.
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let mask: Int

    init(pairs: Int) {
        var slots = 16
        while slots < pairs * 2 { slots *= 2 }
        mask = slots - 1
        words = .allocate(capacity: slots * 2)
        for index in 0..<slots * 2 { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: (mask + 1) * 2)
        words.deallocate()
    }

    private static func key(user: UInt32, chat: UInt32) -> UInt64 { (UInt64(user) << 32 | UInt64(chat)) &+ 1 }

    /// Raises the number of `user` in `chat` to `value` (it never goes down).
    func raise(user: UInt32, chat: UInt32, to value: UInt64) {
        slot(user: user, chat: chat).pointee.max(value, ordering: .relaxed)
    }

    /// Adds `amount` to the number of `user` in `chat`.
    func add(user: UInt32, chat: UInt32, _ amount: UInt64) {
        slot(user: user, chat: chat).pointee.add(amount, ordering: .relaxed)
    }

    /// The number of `user` in `chat`, its slot claimed if it had none.
    private func slot(user: UInt32, chat: UInt32) -> UnsafeMutablePointer<Atomic<UInt64>> {
        let key = Self.key(user: user, chat: chat)
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
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

    /// The number of `user` in `chat`, 0 when none was recorded (read after the workers joined).
    subscript(user user: UInt32, chat chat: UInt32) -> UInt64 {
        let key = Self.key(user: user, chat: chat)
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
        for _ in 0...mask {
            let stored = words[slot * 2].load(ordering: .relaxed)
            if stored == key { return words[slot * 2 + 1].load(ordering: .relaxed) }
            if stored == 0 { return 0 }
            slot = (slot + 1) & mask
        }
        return 0
    }
}
