#ifndef SURGEBENCH_POWERCUT_H
#define SURGEBENCH_POWERCUT_H

// SurgeBench's power-cut simulator, loaded with LD_PRELOAD into a process that writes a store (see powercut.c).
// It exports nothing of its own: it interposes the C library's file-writing calls.

// Journal record types, as written to SURGEBENCH_POWERCUT_JOURNAL and read back by SurgeBench.
enum {
    POWERCUT_UNDO = 1,    // old contents and size of a file region about to be overwritten, truncated or extended
    POWERCUT_SYNC = 2,    // the file's data was made durable (fsync/fdatasync returned) for writes stamped before it
    POWERCUT_RENAME = 3,  // path (from) was renamed to its second path (to)
    POWERCUT_UNLINK = 4,  // path was removed
    POWERCUT_MAPPED = 5,  // path was mapped shared and writable: writes through the mapping are not modelled
    POWERCUT_SYNC_ALL = 6 // sync() or syncfs(): every file's data is durable
};

#endif
