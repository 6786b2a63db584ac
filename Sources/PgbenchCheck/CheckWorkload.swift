import Foundation
import PostgresStore
import SurgeCore

/// What both tools run in the check: a population of direct chats, and one transaction, a send to a random chat
/// followed by a page of its history, with the very SQL of the store's prepared statements.
public struct CheckWorkload: Sendable {
    /// Chat `firstChat + k` is the direct chat of users `firstUser + 2k` (the sender) and `firstUser + 2k + 1`.
    public let pairs: Int
    let firstUser: UInt64
    let firstChat: UInt64
    /// The body of every message, and the history page size.
    static let body = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
    static let pageSize = 20

    /// Registers `pairs` pairs of users and opens their direct chats; throws unless the store handed out consecutive ids
    /// (a store that is not fresh), because pgbench can only compute ids.
    public static func load(on connection: PostgresConnection, pairs: Int) throws(StoreError) -> CheckWorkload {
        var firstUser: UInt64 = 0
        var firstChat: UInt64 = 0
        for pair in 0..<pairs {
            let sender = try connection.register(phone: try PhoneNumber("+1700\(String(2 * pair + 100_000_000))"), displayName: "sender").user
            let receiver = try connection.register(phone: try PhoneNumber("+1700\(String(2 * pair + 100_000_001))"), displayName: "receiver").user
            let chat = try connection.directChat(between: sender, and: receiver)
            if pair == 0 { (firstUser, firstChat) = (sender.rawValue, chat.rawValue) }
            guard sender.rawValue == firstUser + 2 * UInt64(pair), receiver.rawValue == sender.rawValue + 1,
                  chat.rawValue == firstChat + UInt64(pair) else {
                throw StoreError(.invalidOption, "the pgbench check needs a fresh store, whose ids are consecutive: give "
                    + "reset=true, or point url= at an empty database")
            }
        }
        return CheckWorkload(pairs: pairs, firstUser: firstUser, firstChat: firstChat)
    }

    func sender(ofPair pair: Int) -> UserID { UserID(firstUser + 2 * UInt64(pair)) }
    func chat(ofPair pair: Int) -> ChatID { ChatID(firstChat + UInt64(pair)) }

    /// The transaction as a pgbench script: the store's own prepared statements with pgbench variables for their
    /// parameters (`-M prepared` turns them back into parameters); the body and page size are constants.
    var pgbenchScript: String {
        let body = "'\\x" + Self.body.map { String(format: "%02x", $0) }.joined() + "'"
        return """
            \\set pair random(0, \(pairs - 1))
            \\set chat \(firstChat) + :pair
            \\set sender \(firstUser) + 2 * :pair
            \\set client random(1, 9000000000000000000)
            \(Self.statement("send", [":chat", ":sender", ":client", body]));
            \(Self.statement("history", [":chat", String(Int64.max), String(Self.pageSize)]));

            """
    }

    /// The SQL of the store's prepared statement `name` with `$n` replaced by `values[n - 1]`.
    static func statement(_ name: String, _ values: [String]) -> String {
        var sql = PostgresSchema.statements.first { $0.name == name }!.sql
        for (index, value) in values.enumerated().reversed() { sql = sql.replacingOccurrences(of: "$\(index + 1)", with: value) }
        return sql
    }
}
