import Conformance
import CLMDB
import Foundation
import StoreCatalog
import SurgeCore
import Testing
import TestSupport

enum LMDBTestSupport {
    /// Writes an LMDB environment whose main database holds one unrelated record.
    static func writeForeignEnvironment(at path: String) throws {
        var environment: OpaquePointer?
        try #require(mdb_env_create(&environment) == 0)
        defer { mdb_env_close(environment) }
        try #require(mdb_env_open(environment, path, 0, 0o644) == 0)
        var transaction: OpaquePointer?
        try #require(mdb_txn_begin(environment, nil, 0, &transaction) == 0)
        var database: MDB_dbi = 0
        try #require(mdb_dbi_open(transaction, nil, 0, &database) == 0)
        var keyBytes = Array("invoice-1".utf8)
        var valueBytes = Array("42".utf8)
        let code = keyBytes.withUnsafeMutableBytes { key in
            valueBytes.withUnsafeMutableBytes { value in
                var keyValue = MDB_val(mv_size: key.count, mv_data: key.baseAddress)
                var dataValue = MDB_val(mv_size: value.count, mv_data: value.baseAddress)
                return mdb_put(transaction, database, &keyValue, &dataValue, 0)
            }
        }
        try #require(code == 0)
        try #require(mdb_txn_commit(transaction) == 0)
    }
}

@Suite("LMDB backend")
struct LMDBStoreTests {
    @Test("a full map fails with a 'store full' error naming map-size, and the store stays usable",
          arguments: CommitPolicy.allCases)
    func mapFull(policy: CommitPolicy) throws {
        let directory = try ScratchDirectory()
        let store = try BackendCatalog.backend(named: "lmdb").open(
            BackendOptions(["path": directory.path, "map-size": "1MiB", "commit": policy.rawValue, "durability": "nosync"]))
        defer { store.close() }
        let connection = try store.connect()
        let users = try registerUsers(2, on: connection)
        let chat = try connection.directChat(between: users[0], and: users[1])
        let body = [UInt8](repeating: 7, count: 64 * 1024)
        var acknowledged: UInt64 = 0
        var outcome: Result<SendReceipt, any Error> = .success(SendReceipt(chat: chat, sequence: 0, isDuplicate: false))
        while case .success = outcome, acknowledged < 40 {
            outcome = Result { try connection.send(body, to: chat, from: users[0], clientMessageID: acknowledged + 1) }
            if case .success = outcome { acknowledged += 1 }
        }
        guard case .failure(let failure) = outcome else {
            Issue.record("40 sends of 64 KiB fitted in a 1 MiB map")
            return
        }
        let error = try #require(failure as? StoreError)
        #expect(error.kind == .storeFull)
        #expect(error.message.contains("map-size"))
        #expect(acknowledged > 0)
        // Everything acknowledged is still there; the failed write left nothing behind.
        let summary = try connection.summary()
        #expect(summary.messageCount == acknowledged)
        #expect(summary.chats.allSatisfy { $0.isGapless })
        #expect(try connection.history(of: chat, before: nil, limit: 1).first?.sequence == acknowledged)
        // Small writes that fit still succeed.
        #expect(try connection.markRead(chat, by: users[1], upTo: 1) == 1)
    }
}
