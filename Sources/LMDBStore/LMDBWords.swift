import CLMDB

/// One to three big-endian `UInt64`s on the stack: a key, so that LMDB's byte order is numeric order and a composite
/// key's rows for one prefix are one contiguous range, or a small value. Passing one to LMDB allocates nothing.
struct LMDBWords {
    private var words: (UInt64, UInt64, UInt64)
    private let byteCount: Int

    init(_ first: UInt64) {
        words = (first.bigEndian, 0, 0)
        byteCount = 8
    }

    init(_ first: UInt64, _ second: UInt64) {
        words = (first.bigEndian, second.bigEndian, 0)
        byteCount = 16
    }

    init(_ first: UInt64, _ second: UInt64, _ third: UInt64) {
        words = (first.bigEndian, second.bigEndian, third.bigEndian)
        byteCount = 24
    }

    /// Calls `body` with an `MDB_val` pointing at the words' bytes.
    func withValue<Result, Failure>(_ body: (inout MDB_val) throws(Failure) -> Result) throws(Failure) -> Result {
        var copy = words
        let count = byteCount
        return try withUnsafeMutableBytes(of: &copy) { (buffer) throws(Failure) -> Result in
            var value = MDB_val(mv_size: count, mv_data: buffer.baseAddress)
            return try body(&value)
        }
    }
}

/// A key is words.
typealias LMDBKey = LMDBWords

/// Reading and writing big-endian words in values.
extension UnsafeRawBufferPointer {
    func word(at index: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    func storeWord(_ value: UInt64, at index: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: index * 8, as: UInt64.self)
    }
}

extension MDB_val {
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: mv_data, count: mv_size) }

    /// A value pointing at `buffer`'s bytes, which LMDB only reads.
    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }
}
