#ifndef SURGEBENCH_POWERCUT_H
#define SURGEBENCH_POWERCUT_H

// SurgeBench's power-cut simulator and sync counter, loaded with LD_PRELOAD into a process that writes a store (see
// powercut.c). It interposes the C library's file-writing and syncing calls and exports one function of its own.

#include <stdint.h>

// Journal record types, as written to SURGEBENCH_POWERCUT_JOURNAL and read back by SurgeBench.
// Every record: a 48-byte header (u32 type, u32 length of the names, u64 stamp, offset, size, length of the bytes,
// inode), the names joined by NUL bytes, then the bytes.
enum {
    POWERCUT_UNDO = 1,           // old contents (bytes) and size of a file region about to be overwritten, truncated or extended
    POWERCUT_SYNC = 2,           // the file's data was made durable (fsync/fdatasync returned) for writes stamped before it
    POWERCUT_RENAME = 3,         // names: from, to, and the shadow link of the file `to` replaced ("" when none)
    POWERCUT_UNLINK = 4,         // names: the removed path and its shadow link ("" when none)
    POWERCUT_MAPPED = 5,         // path was mapped shared and writable: writes through the mapping are not modelled
    POWERCUT_SYNC_ALL = 6,       // sync() or syncfs(): every file's data, and every directory, is durable
    POWERCUT_WRITTEN = 7,        // the bytes a write put at offset (stamped as its undo record)
    POWERCUT_RESIZED = 8,        // the file's size after a truncation or extension, in offset (stamped as its undo record)
    POWERCUT_CREATE = 9,         // path was created (it did not exist)
    POWERCUT_DIRECTORY_SYNC = 10 // the directory path was synced: its entries' changes stamped before it are durable
};

// Sync counters, in this order, as surgebench_sync_counts() and a SURGEBENCH_SYNC_COUNTER file hold them (8 little-
// endian 64-bit words).
enum {
    SYNC_COUNT_FSYNC = 0,           // fsync() that returned 0
    SYNC_COUNT_FDATASYNC = 1,       // fdatasync() that returned 0
    SYNC_COUNT_SYNC_WRITE = 2,      // a write to a descriptor opened O_SYNC or O_DSYNC, or with RWF_SYNC or RWF_DSYNC
    SYNC_COUNT_SYNC_ALL = 3,        // sync() or syncfs()
    SYNC_COUNT_MSYNC = 4,           // msync() with MS_SYNC
    SYNC_COUNT_SYNC_FILE_RANGE = 5, // sync_file_range(): writeback only, nothing made durable
    SYNC_COUNT_WORDS = 8
};

// This process's sync counters (or, when SURGEBENCH_SYNC_COUNTER named a file, that file's: every process that names
// it counts there). SurgeBench finds it with dlsym to read the counts of the stores it runs in its own process.
void surgebench_sync_counts(uint64_t counts[SYNC_COUNT_WORDS]);

#endif
