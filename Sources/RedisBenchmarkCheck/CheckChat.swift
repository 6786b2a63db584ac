import RedisClusterStore
import SurgeCore

/// The check's one chat: two users and their direct chat, made through the store, and the master serving its slot.
struct CheckChat: Sendable {
    let chat: ChatID
    let sender: UserID
    let slot: Int
    /// `host:port` of the master serving the chat's slot.
    let master: String
    /// The body of every message, and the history page size.
    static let body = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
    static let pageSize = 20

    static func make(on connection: RedisClusterConnection, store: RedisClusterMessageStore) throws(StoreError) -> CheckChat {
        let sender = try connection.register(phone: try PhoneNumber("+17005550100"), displayName: "sender").user
        let receiver = try connection.register(phone: try PhoneNumber("+17005550101"), displayName: "receiver").user
        let chat = try connection.directChat(between: sender, and: receiver)
        let slot = RedisClusterConnection.slot(ofChat: chat)
        guard let master = store.master(servingSlot: slot) else { throw StoreError(.engine, "no master serves slot \(slot) of the check's chat") }
        return CheckChat(chat: chat, sender: sender, slot: slot, master: master)
    }

    /// The chat's newest sequence (messages sent to it so far).
    func lastSequence(on connection: RedisClusterConnection) throws(StoreError) -> UInt64 {
        try connection.history(of: chat, before: nil, limit: 1).first?.sequence ?? 0
    }

    /// The call of `operation` as the store makes it; a send carries `clientMessageID`.
    func call(_ operation: RedisBenchmarkCheck.Operation, clientMessageID: UInt64) -> [[UInt8]] {
        switch operation {
        case .send: RedisClusterConnection.sendCall(Self.body, to: chat, from: sender, clientMessageID: clientMessageID)
        case .history: RedisClusterConnection.historyCall(of: chat, before: nil, limit: Self.pageSize)
        }
    }
}
