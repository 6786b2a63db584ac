import CRocksDB
import Foundation
import StoreSupport
import Synchronization
import SurgeCore

/// Owns one RocksDB `TransactionDB` with a column family per table, and the options it was opened with; closes it
/// when the last user lets go (store and connections), so no transaction can outlive it.
final class RocksDBDatabase: @unchecked Sendable {  // RocksDB's handles are thread-safe; the rest is immutable
    /// The column families, one per table (see ``RocksDBMessageStore`` for the layout).
    enum Family: Int, CaseIterable {
        case meta, users, phones, contacts, chats, directChats, members, userChats, messages, sends

        var name: String {
            switch self {
            case .meta: "default"
            case .directChats: "direct_chats"
            case .userChats: "user_chats"
            default: String(describing: self)
            }
        }
    }

    private static let formatKey = Array("format".utf8)
    private static let formatValue = Array("surgebench-rocksdb-1".utf8)

    let handle: OpaquePointer
    let directory: StoreDirectory
    private let families: [OpaquePointer]
    private let options: OpaquePointer
    private let tableOptions: OpaquePointer
    private let cache: OpaquePointer
    private let transactionDBOptions: OpaquePointer
    /// Options of every write transaction: deadlock detection on.
    let transactionOptions: OpaquePointer
    /// Commits at the store's durability mode.
    let writeOptions: OpaquePointer
    /// Identifier allocation and the inbox clock.
    let lastUserID = Atomic<UInt64>(0)
    let lastChatID = Atomic<UInt64>(0)
    let activityClock = Atomic<UInt64>(0)

    init(directory: StoreDirectory, configuration: RocksDBMessageStore.Configuration) throws(StoreError) {
        self.directory = directory
        try Self.checkDirectory(directory.path)
        options = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_increase_parallelism(options, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
        rocksdb_options_set_max_background_jobs(options, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
        rocksdb_options_set_write_buffer_size(options, configuration.writeBufferBytes)
        rocksdb_options_set_compression(options, configuration.compression.code)
        rocksdb_options_set_compaction_style(options, configuration.compaction.code)
        rocksdb_options_enable_statistics(options)
        // Keys of composite tables start with an 8-byte word (a chat, a user): that word is the prefix, so a history
        // page or a membership range is a prefix seek that bloom filters (in the files and the memtable) can answer.
        rocksdb_options_set_prefix_extractor(options, rocksdb_slicetransform_create_fixed_prefix(8))
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.1)
        tableOptions = rocksdb_block_based_options_create()
        cache = rocksdb_cache_create_lru(configuration.blockCacheBytes)
        rocksdb_block_based_options_set_block_cache(tableOptions, cache)
        rocksdb_block_based_options_set_filter_policy(tableOptions, rocksdb_filterpolicy_create_bloom_full(10))
        rocksdb_options_set_block_based_table_factory(options, tableOptions)
        transactionDBOptions = rocksdb_transactiondb_options_create()
        // A lock wait is bounded (a deadlock is detected at once); a surge's queue of senders to one chat waits.
        rocksdb_transactiondb_options_set_transaction_lock_timeout(transactionDBOptions, 10_000)
        transactionOptions = rocksdb_transaction_options_create()
        rocksdb_transaction_options_set_deadlock_detect(transactionOptions, 1)
        writeOptions = configuration.durability.makeWriteOptions()

        let names = Family.allCases.map(\.name)
        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        let familyOptions = [OpaquePointer?](repeating: options, count: names.count)
        var error: UnsafeMutablePointer<CChar>?
        let (options, transactionDBOptions, path) = (options, transactionDBOptions, directory.path)
        let opened = names.withCStrings { cNames in
            rocksdb_transactiondb_open_column_families(options, transactionDBOptions, path, Int32(names.count), cNames,
                                                      familyOptions, &handles, &error)
        }
        guard let opened, error == nil else {
            let message = Self.take(error) ?? "unknown error"
            Self.destroy(options: options, tableOptions: tableOptions, cache: cache, transactionDBOptions: transactionDBOptions,
                         transactionOptions: transactionOptions, writeOptions: writeOptions)
            directory.removeIfTemporary()
            if message.contains("Column families not opened") || message.contains("Invalid column family") {
                throw StoreError(.notAStore, "'\(directory.path)' is a RocksDB database but not a SurgeBench store (\(message)); "
                    + "point path= at an empty directory or a rocksdb store's")
            }
            throw Self.storeError(message, context: "opening '\(directory.path)'")
        }
        handle = opened
        families = handles.map { $0! }
        do throws(StoreError) {
            let lastIDs = try Self.prepare(self)
            lastUserID.store(lastIDs.user, ordering: .relaxed)
            lastChatID.store(lastIDs.chat, ordering: .relaxed)
            activityClock.store(lastIDs.activity, ordering: .relaxed)
        } catch {
            close()
            throw error
        }
    }

    private let closed = Atomic<Bool>(false)

    deinit {
        close()
        directory.removeIfTemporary()
    }

    private func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        for family in families { rocksdb_column_family_handle_destroy(family) }
        rocksdb_transactiondb_close(handle)
        Self.destroy(options: options, tableOptions: tableOptions, cache: cache, transactionDBOptions: transactionDBOptions,
                     transactionOptions: transactionOptions, writeOptions: writeOptions)
    }

    private static func destroy(options: OpaquePointer, tableOptions: OpaquePointer, cache: OpaquePointer, transactionDBOptions: OpaquePointer,
                                transactionOptions: OpaquePointer, writeOptions: OpaquePointer) {
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_transaction_options_destroy(transactionOptions)
        rocksdb_transactiondb_options_destroy(transactionDBOptions)
        rocksdb_options_destroy(options)
        rocksdb_block_based_options_destroy(tableOptions)
        rocksdb_cache_destroy(cache)
    }

    func family(_ family: Family) -> OpaquePointer { families[family.rawValue] }

    /// A directory that holds files but no RocksDB database, or a RocksDB database without exactly this store's column
    /// families, is someone else's: refuse it before opening (opening would add the missing families).
    private static func checkDirectory(_ path: String) throws(StoreError) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard !entries.isEmpty else { return }
        guard entries.contains("CURRENT") else {
            throw StoreError(.notAStore, "'\(path)' holds files but no RocksDB database; point path= at an empty directory or a rocksdb store's")
        }
        let options = rocksdb_options_create()
        defer { rocksdb_options_destroy(options) }
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let list = rocksdb_list_column_families(options, path, &count, &error)
        defer { if let list { rocksdb_list_column_families_destroy(list, count) } }
        if let message = take(error) { throw storeError(message, context: "reading the column families of '\(path)'") }
        let names = Set((0..<count).compactMap { list?[$0].map { String(cString: $0) } })
        guard names == Set(Family.allCases.map(\.name)) else {
            throw StoreError(.notAStore, "'\(path)' is a RocksDB database but not a SurgeBench store (column families: "
                + "\(names.sorted().joined(separator: ", "))); point path= at an empty directory or a rocksdb store's")
        }
    }

    /// Writes the format marker into a new store or checks an existing one's, and reads the last ids and activity.
    private static func prepare(_ database: RocksDBDatabase) throws(StoreError) -> (user: UInt64, chat: UInt64, activity: UInt64) {
        try database.withTransaction(reads: RocksDBReadOptions()) { (transaction) throws(StoreError) in
            let lastUser = try transaction.last(in: .users)
            let lastChat = try transaction.last(in: .chats)
            if let format = try transaction.get(.meta, formatKey) {
                guard format == formatValue else {
                    throw StoreError(.notAStore, "'\(database.directory.path)' is a RocksDB store of another format "
                        + "('\(String(decoding: format, as: UTF8.self))'); point path= at an empty directory")
                }
            } else if lastUser == nil, lastChat == nil {
                try transaction.put(.meta, formatKey, formatValue)
            } else {
                throw StoreError(.notAStore, "'\(database.directory.path)' is a RocksDB database but not a SurgeBench store; "
                    + "point path= at an empty directory or a rocksdb store's")
            }
            let user = lastUser?.key.word(at: 0) ?? 0
            let chat = lastChat?.key.word(at: 0) ?? 0
            var activity: UInt64 = 0
            try transaction.forEach(in: .chats) { _, value in
                activity = max(activity, ChatHeader(value).lastActivity)
                return true
            }
            return (user, chat, activity)
        }
    }

    /// Begins a transaction, runs `body`, and commits it (rolls back when `body` throws).
    func withTransaction<Result>(reads: RocksDBReadOptions, reusing previous: OpaquePointer? = nil,
                                 _ body: (RocksDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        let raw = rocksdb_transaction_begin(handle, writeOptions, transactionOptions, previous)!
        defer { if previous == nil { rocksdb_transaction_destroy(raw) } }
        let transaction = RocksDBTransaction(handle: raw, database: self, reads: reads)
        let result: Result
        do throws(StoreError) {
            result = try body(transaction)
        } catch {
            var ignored: UnsafeMutablePointer<CChar>?
            rocksdb_transaction_rollback(raw, &ignored)
            _ = Self.take(ignored)
            throw error
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_transaction_commit(raw, &error)
        if let message = Self.take(error) { throw Self.storeError(message, context: "committing") }
        return result
    }

    /// RocksDB's counters that explain an LSM's cost (bytes written by the user, the WAL, flushes and compactions;
    /// time stalled; cache and bloom filter hits), and the write amplification they imply.
    func counters() -> [String: Double] {
        guard let text = rocksdb_options_statistics_get_string(options).map({ pointer -> String in
            defer { rocksdb_free(pointer) }
            return String(cString: pointer)
        }) else { return [:] }
        let wanted = ["rocksdb.bytes.written", "rocksdb.wal.bytes", "rocksdb.wal.synced", "rocksdb.flush.write.bytes",
                      "rocksdb.compact.read.bytes", "rocksdb.compact.write.bytes", "rocksdb.stall.micros",
                      "rocksdb.block.cache.hit", "rocksdb.block.cache.miss", "rocksdb.bloom.filter.useful",
                      "rocksdb.bloom.filter.prefix.useful", "rocksdb.number.keys.written"]
        var counters: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            // "rocksdb.compact.write.bytes COUNT : 123"
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[1] == "COUNT", wanted.contains(String(parts[0])), let value = Double(parts[3]) else { continue }
            counters[String(parts[0]).replacingOccurrences(of: "rocksdb.", with: "")] = value
        }
        // Database-wide properties only (the C API reads per-family ones from the default family alone).
        for property in ["rocksdb.num-running-compactions", "rocksdb.actual-delayed-write-rate", "rocksdb.is-write-stopped"] {
            var value: UInt64 = 0
            if rocksdb_transactiondb_property_int(handle, property, &value) == 0 {
                counters[property.replacingOccurrences(of: "rocksdb.", with: "")] = Double(value)
            }
        }
        if let user = counters["bytes.written"], user > 0 {
            let device = (counters["wal.bytes"] ?? 0) + (counters["flush.write.bytes"] ?? 0) + (counters["compact.write.bytes"] ?? 0)
            counters["write_amplification"] = device / user
        }
        return counters
    }

    /// Writes every memtable to files (a clean close then leaves nothing to replay from the log).
    func flush() {
        let flushOptions = rocksdb_flushoptions_create()
        rocksdb_flushoptions_set_wait(flushOptions, 1)
        var error: UnsafeMutablePointer<CChar>?
        for family in families { rocksdb_transactiondb_flush_cf(handle, flushOptions, family, &error) }
        _ = Self.take(error)
        rocksdb_flushoptions_destroy(flushOptions)
    }

    /// The message RocksDB allocated for an error, freed.
    static func take(_ error: UnsafeMutablePointer<CChar>?) -> String? {
        guard let error else { return nil }
        defer { rocksdb_free(error) }
        return String(cString: error)
    }

    /// An error RocksDB reported, by kind: a full disk, a lock that timed out or a deadlock, anything else.
    static func storeError(_ message: String, context: String) -> StoreError {
        if message.contains("No space left") { return StoreError(.storeFull, "RocksDB: the disk is full (\(context)): \(message)") }
        if message.contains("TimedOut") || message.contains("Timed out") || message.contains("Deadlock") || message.contains("Busy") {
            return StoreError(.busy, "RocksDB could not lock in time (\(context)): \(message)")
        }
        if message.contains("lock") && message.contains("LOCK") {
            return StoreError(.cannotOpen, "the RocksDB store is in use by another process or already open (\(context)): \(message)")
        }
        return StoreError(.engine, "RocksDB error (\(context)): \(message)")
    }

    /// "RocksDB 7.8.3": from the file name of the shared library this process mapped (the C API has no version call).
    static let libraryVersion: String = {
        guard let maps = fopen("/proc/self/maps", "r") else { return "RocksDB" }
        defer { fclose(maps) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, maps) > 0, let line {
            // "7f22f8e00000-7f22f9054000 r--p 00000000 fe:00 4907038   /usr/lib/x86_64-linux-gnu/librocksdb.so.7.8.3"
            let text = String(cString: line).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let file = text.split(separator: "/").last, file.hasPrefix("librocksdb.so.") else { continue }
            return "RocksDB " + file.dropFirst("librocksdb.so.".count)
        }
        return "RocksDB"
    }()
}

extension Array where Element == String {
    /// Calls `body` with the strings as a C array of C strings.
    func withCStrings<Result>(_ body: ([UnsafePointer<CChar>?]) -> Result) -> Result {
        let pointers = map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return body(pointers.map { UnsafePointer($0) })
    }
}
