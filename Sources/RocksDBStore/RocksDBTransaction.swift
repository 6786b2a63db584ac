import CRocksDB
import SurgeCore

/// The read options of one connection: prefix seeks (the default with a prefix extractor) and total-order scans;
/// a read-only operation sets both to one snapshot, so it sees one consistent state.
final class RocksDBReadOptions {
    let prefixed: OpaquePointer
    let totalOrder: OpaquePointer

    init() {
        prefixed = rocksdb_readoptions_create()
        totalOrder = rocksdb_readoptions_create()
        rocksdb_readoptions_set_total_order_seek(totalOrder, 1)
    }

    deinit {
        rocksdb_readoptions_destroy(prefixed)
        rocksdb_readoptions_destroy(totalOrder)
    }

    /// Reads from `snapshot` on, or from the latest state when nil.
    func setSnapshot(_ snapshot: OpaquePointer?) {
        rocksdb_readoptions_set_snapshot(prefixed, snapshot)
        rocksdb_readoptions_set_snapshot(totalOrder, snapshot)
    }
}

/// One RocksDB transaction (pessimistic: `lock` reads take the key's lock until commit) and the reads and writes
/// the store makes in it, by column family.
public struct RocksDBTransaction {
    let handle: OpaquePointer
    let database: RocksDBDatabase
    let reads: RocksDBReadOptions

    /// The value at `key`, or nil.
    func get(_ family: RocksDBDatabase.Family, _ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try value(context: "reading") { length, error in
            rocksdb_transaction_get_cf(handle, reads.prefixed, database.family(family), key, key.count, &length, &error)
        }
    }

    /// The value at `key`, or nil, locking the key against every other writer until this transaction ends (even when
    /// absent): the read of a read-modify-write that no other writer may interleave.
    func lock(_ family: RocksDBDatabase.Family, _ key: [UInt8]) throws(StoreError) -> [UInt8]? {
        try value(context: "locking") { length, error in
            rocksdb_transaction_get_for_update_cf(handle, reads.prefixed, database.family(family), key, key.count, &length, 1, &error)
        }
    }

    private func value(context: String, _ call: (inout Int, inout UnsafeMutablePointer<CChar>?) -> UnsafeMutablePointer<CChar>?)
        throws(StoreError) -> [UInt8]? {
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let pointer = call(&length, &error)
        if let message = RocksDBDatabase.take(error) { throw RocksDBDatabase.storeError(message, context: context) }
        guard let pointer else { return nil }
        defer { rocksdb_free(pointer) }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    func put(_ family: RocksDBDatabase.Family, _ key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_transaction_put_cf(handle, database.family(family), key, key.count, value, value.count, &error)
        if let message = RocksDBDatabase.take(error) { throw RocksDBDatabase.storeError(message, context: "writing") }
    }

    /// Calls `body` with each row whose key starts with the word `prefix`, from the key `from` (or the prefix's
    /// first) upwards, while it returns true.
    func forEach(in family: RocksDBDatabase.Family, prefix: UInt64, from start: [UInt8]? = nil,
                 _ body: ([UInt8], [UInt8]) throws(StoreError) -> Bool) throws(StoreError) {
        try walk(family, options: reads.prefixed, position: { rocksdb_iter_seek($0, $1, $1.count) }, seek: start ?? BigEndianWords.bytes(prefix),
                 step: rocksdb_iter_next) { (key, value) throws(StoreError) in key.word(at: 0) == prefix && key.count >= 8 ? try body(key, value) : false }
    }

    /// Calls `body` with each row whose key starts with the word `prefix` and sorts before `end`, downwards, while it
    /// returns true.
    func forEachBackward(in family: RocksDBDatabase.Family, prefix: UInt64, before end: [UInt8],
                         _ body: ([UInt8], [UInt8]) throws(StoreError) -> Bool) throws(StoreError) {
        try walk(family, options: reads.prefixed, position: { iterator, key in
            rocksdb_iter_seek_for_prev(iterator, key, key.count)
            // seek_for_prev stops at or before `end`: a row at `end` itself is not before it.
            if rocksdb_iter_valid(iterator) != 0, Self.key(iterator) == key { rocksdb_iter_prev(iterator) }
        }, seek: end, step: rocksdb_iter_prev) { (key, value) throws(StoreError) in
            key.word(at: 0) == prefix && key.count >= 8 ? try body(key, value) : false
        }
    }

    /// Calls `body` with every row of `family` in key order, while it returns true.
    func forEach(in family: RocksDBDatabase.Family, _ body: ([UInt8], [UInt8]) throws(StoreError) -> Bool) throws(StoreError) {
        try walk(family, options: reads.totalOrder, position: { iterator, _ in rocksdb_iter_seek_to_first(iterator) }, seek: [],
                 step: rocksdb_iter_next, body)
    }

    /// The row with the largest key in `family`.
    func last(in family: RocksDBDatabase.Family) throws(StoreError) -> (key: [UInt8], value: [UInt8])? {
        var found: (key: [UInt8], value: [UInt8])?
        try walk(family, options: reads.totalOrder, position: { iterator, _ in rocksdb_iter_seek_to_last(iterator) }, seek: [],
                 step: rocksdb_iter_prev) { key, value in
            found = (key, value)
            return false
        }
        return found
    }

    private func walk(_ family: RocksDBDatabase.Family, options: OpaquePointer, position: (OpaquePointer, [UInt8]) -> Void, seek: [UInt8],
                      step: (OpaquePointer?) -> Void, _ body: ([UInt8], [UInt8]) throws(StoreError) -> Bool) throws(StoreError) {
        let iterator = rocksdb_transaction_create_iterator_cf(handle, options, database.family(family))!
        defer { rocksdb_iter_destroy(iterator) }
        position(iterator, seek)
        while rocksdb_iter_valid(iterator) != 0 {
            var length = 0
            let value = rocksdb_iter_value(iterator, &length).map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
            guard try body(Self.key(iterator), value) else { return }
            step(iterator)
        }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        if let message = RocksDBDatabase.take(error) { throw RocksDBDatabase.storeError(message, context: "scanning") }
    }

    private static func key(_ iterator: OpaquePointer) -> [UInt8] {
        var length = 0
        return rocksdb_iter_key(iterator, &length).map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
    }
}
