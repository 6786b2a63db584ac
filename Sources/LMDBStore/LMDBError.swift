import CLMDB
import Glibc
import SurgeCore

extension StoreError {
    /// Maps an LMDB return code to the ``StoreError`` kind a caller can act on.
    static func lmdb(_ code: Int32, _ context: String) -> StoreError {
        let detail = String(cString: mdb_strerror(code))
        switch code {
        case MDB_MAP_FULL:
            return StoreError(.storeFull,
                "LMDB map is full while \(context) (\(detail)); reopen the store with a larger map-size, e.g. map-size=16GiB",
                engineCode: code)
        case MDB_TXN_FULL:
            return StoreError(.storeFull,
                "LMDB transaction has too many dirty pages while \(context) (\(detail)); lower group-max-batch", engineCode: code)
        case MDB_READERS_FULL:
            return StoreError(.busy,
                "LMDB has no free reader slot while \(context) (\(detail)); raise max-readers above the number of workers",
                engineCode: code)
        case MDB_INVALID, MDB_VERSION_MISMATCH:
            return StoreError(.notAStore, "the directory holds a file that is not an LMDB environment of this version (\(detail))", engineCode: code)
        case ENOSPC:
            return StoreError(.storeFull, "the disk is full while \(context) (\(detail)); free space and run again", engineCode: code)
        case ENOENT, EACCES, EPERM, EROFS, ENOTDIR:
            return StoreError(.cannotOpen, "LMDB cannot open its files while \(context) (\(detail)); check the path and its permissions", engineCode: code)
        default:
            return StoreError(.engine, "LMDB error \(code) while \(context): \(detail)", engineCode: code)
        }
    }
}

/// Throws the mapped error unless `code` is success.
@inline(__always)
func check(_ code: Int32, _ context: @autoclosure () -> String) throws(StoreError) {
    if code != MDB_SUCCESS { throw StoreError.lmdb(code, context()) }
}
