#ifndef SURGEBENCH_POWERCUT_H
#define SURGEBENCH_POWERCUT_H

// SurgeBench's power-cut simulator and sync counter, loaded with LD_PRELOAD into a process that writes a store (see
// powercut.c). It interposes the C library's file-writing and syncing calls and exports one function of its own.

#include <stdint.h>

// Journal record types, as written to SURGEBENCH_POWERCUT_JOURNAL and read back by SurgeBench.
enum {
    POWERCUT_UNDO = 1,    // old contents and size of a file region about to be overwritten, truncated or extended
    POWERCUT_SYNC = 2,    // the file's data was made durable (fsync/fdatasync returned) for writes stamped before it
    POWERCUT_RENAME = 3,  // path (from) was renamed to its second path (to)
    POWERCUT_UNLINK = 4,  // path was removed
    POWERCUT_MAPPED = 5,  // path was mapped shared and writable: writes through the mapping are not modelled
    POWERCUT_SYNC_ALL = 6 // sync() or syncfs(): every file's data is durable
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
