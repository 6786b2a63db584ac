import CLMDB

/// A key of one or two big-endian `UInt64`s, so that LMDB's byte order is numeric order and a composite key's
/// rows for one prefix are one contiguous range. Lives on the stack.
struct LMDBKey {
    private var words: (UInt64, UInt64)
    private let byteCount: Int

    init(_ first: UInt64) {
        words = (first.bigEndian, 0)
        byteCount = 8
    }

    init(_ first: UInt64, _ second: UInt64) {
        words = (first.bigEndian, second.bigEndian)
        byteCount = 16
    }

    /// Calls `body` with an `MDB_val` pointing at the key's bytes.
    func withValue<Result, Failure>(_ body: (inout MDB_val) throws(Failure) -> Result) throws(Failure) -> Result {
        var copy = words
        let count = byteCount
        return try withUnsafeMutableBytes(of: &copy) { (buffer) throws(Failure) -> Result in
            var value = MDB_val(mv_size: count, mv_data: buffer.baseAddress)
            return try body(&value)
        }
    }
}

/// Reading and writing big-endian words in values.
extension UnsafeRawBufferPointer {
    func word(at index: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
    }
}

extension Array where Element == UInt8 {
    mutating func appendWord(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// A value of big-endian words.
    init(words: UInt64...) {
        self.init()
        reserveCapacity(words.count * 8)
        for word in words { appendWord(word) }
    }
}

extension MDB_val {
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: mv_data, count: mv_size) }
}
