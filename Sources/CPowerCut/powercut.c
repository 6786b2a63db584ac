// SurgeBench's power-cut simulator: an LD_PRELOAD library that lets a store be put back to what a power cut would
// leave of it.
//
// Every change to a regular file under SURGEBENCH_POWERCUT_DIR is journaled to SURGEBENCH_POWERCUT_JOURNAL, stamped
// with the monotonic clock: before a write, truncation or extension, the region's old contents and the file's old size
// (an undo record); after it, the bytes written or the new size (a redo record, with the undo's stamp); when fsync()
// or fdatasync() returns, a sync record stamped with the moment the call began. Files are named by inode, so that
// renames need no bookkeeping. Directory operations are journaled too: a file created (O_CREAT on a name that did not
// exist), renamed or removed, and a directory's own fsync. A file about to be removed or replaced by a rename is first
// hard-linked into SURGEBENCH_POWERCUT_SHADOW (when set, on the same file system), so that its removal can be undone.
//
// After the process is killed, SurgeBench applies the journal under one of two models (PowerCutJournal.swift):
// strict puts every file back to its last sync and keeps every directory operation; reorder also lets a seeded random
// subset of the unsynced writes survive, a write of several 512-byte sectors survive in part, and the directory
// operations since the directory's last fsync be undone (a seeded suffix of them).
//
// Limits (also in docs/crash-testing.md): writes through shared writable mappings are not modelled (they are
// reported); O_SYNC and O_DSYNC descriptors are durable at every write; sync_file_range() and msync() make nothing
// durable; mkdir, rmdir, link() and O_TMPFILE files are not journaled, nor the zeros of a punched hole.
//
// Sync counting: whatever the model, every call that makes data durable is counted by kind (powercut.h), in this
// process's memory or, when SURGEBENCH_SYNC_COUNTER names a file, in that file, mapped shared, so that every process
// of a server (forked or started with that environment) counts into one place SurgeBench reads at the edges of a
// measured window. A count is one atomic addition beside a call that takes microseconds to milliseconds.
#define _GNU_SOURCE
#include "powercut.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_DESCRIPTORS 65536

enum { FD_UNKNOWN = 0, FD_TRACKED = 1, FD_IGNORED = 2, FD_TRACKED_SYNC = 3 };

static char watched[PATH_MAX];
static size_t watched_length;
static int journal = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char state[MAX_DESCRIPTORS];
static char *paths[MAX_DESCRIPTORS];
static uint64_t inodes[MAX_DESCRIPTORS];
static char shadow[PATH_MAX];  // where files about to be removed are kept (empty: nowhere; their removal cannot be undone)
static uint64_t shadowed;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_truncate)(const char *, off_t);
static int (*real_fallocate)(int, int, off_t, off_t);
static int (*real_posix_fallocate)(int, off_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static void (*real_sync)(void);
static int (*real_syncfs)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_msync)(void *, size_t, int);
static int (*real_sync_file_range)(int, off64_t, off64_t, unsigned int);

static uint64_t private_counts[SYNC_COUNT_WORDS];
static uint64_t *counts = private_counts;
static unsigned char sync_descriptor[MAX_DESCRIPTORS];  // opened with O_SYNC or O_DSYNC: every write is durable

static void tally(int kind) { __atomic_fetch_add(&counts[kind], 1, __ATOMIC_RELAXED); }

void surgebench_sync_counts(uint64_t out[SYNC_COUNT_WORDS]) {
    for (int kind = 0; kind < SYNC_COUNT_WORDS; kind++) out[kind] = __atomic_load_n(&counts[kind], __ATOMIC_RELAXED);
}

// Counts into the file SURGEBENCH_SYNC_COUNTER names, shared with every other process that names it.
static void share_counts(const char *path) {
    int fd = real_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    size_t size = SYNC_COUNT_WORDS * sizeof(uint64_t);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || ((size_t)info.st_size < size && real_ftruncate(fd, (off_t)size) != 0)) {
        fprintf(stderr, "surgebench sync counter: cannot use %s: %s (syncs are not counted)\n", path, strerror(errno));
        if (fd >= 0) real_close(fd);
        return;
    }
    void *mapped = real_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    real_close(fd);
    if (mapped != MAP_FAILED) counts = mapped;
}

static void note_sync_flags(int fd, int flags) {
    if (fd >= 0 && fd < MAX_DESCRIPTORS) sync_descriptor[fd] = (flags & (O_SYNC | O_DSYNC)) != 0;
}

static void count_sync_write(int fd) {
    if (fd >= 0 && fd < MAX_DESCRIPTORS && sync_descriptor[fd]) tally(SYNC_COUNT_SYNC_WRITE);
}

static void resolve(void) {
    real_open = dlsym(RTLD_NEXT, "open");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_close = dlsym(RTLD_NEXT, "close");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_writev = dlsym(RTLD_NEXT, "writev");
    real_pwritev = dlsym(RTLD_NEXT, "pwritev");
    real_pwritev2 = dlsym(RTLD_NEXT, "pwritev2");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_truncate = dlsym(RTLD_NEXT, "truncate");
    real_fallocate = dlsym(RTLD_NEXT, "fallocate");
    real_posix_fallocate = dlsym(RTLD_NEXT, "posix_fallocate");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_sync = dlsym(RTLD_NEXT, "sync");
    real_syncfs = dlsym(RTLD_NEXT, "syncfs");
    real_dup2 = dlsym(RTLD_NEXT, "dup2");
    real_dup3 = dlsym(RTLD_NEXT, "dup3");
    real_renameat = dlsym(RTLD_NEXT, "renameat");
    real_renameat2 = dlsym(RTLD_NEXT, "renameat2");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
    real_mmap = dlsym(RTLD_NEXT, "mmap");
    real_msync = dlsym(RTLD_NEXT, "msync");
    real_sync_file_range = dlsym(RTLD_NEXT, "sync_file_range");

}

#define ENSURE() do { if (__builtin_expect(real_write == NULL, 0)) resolve(); } while (0)

__attribute__((constructor)) static void powercut_start(void) {
    ENSURE();
    const char *counter = getenv("SURGEBENCH_SYNC_COUNTER");
    if (counter && *counter) share_counts(counter);
    const char *directory = getenv("SURGEBENCH_POWERCUT_DIR");
    const char *journal_path = getenv("SURGEBENCH_POWERCUT_JOURNAL");
    if (!directory || !journal_path || !realpath(directory, watched)) return;
    watched_length = strlen(watched);
    const char *shadow_path = getenv("SURGEBENCH_POWERCUT_SHADOW");
    if (shadow_path && *shadow_path) snprintf(shadow, sizeof shadow, "%s", shadow_path);
    journal = real_open(journal_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal < 0) {
        fprintf(stderr, "surgebench power-cut: cannot open the journal %s: %s\n", journal_path, strerror(errno));
        abort();
    }
}

static uint64_t stamp_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int is_watched(const char *path) {
    return strncmp(path, watched, watched_length) == 0 && (path[watched_length] == '/' || path[watched_length] == 0);
}

// Classifies fd on its first use: journaled (a regular file under the watched directory), durable at every write
// (opened O_SYNC or O_DSYNC) or ignored.
static unsigned char classify(int fd) {
    if (journal < 0 || fd < 0 || fd >= MAX_DESCRIPTORS) return FD_IGNORED;
    unsigned char known = __atomic_load_n(&state[fd], __ATOMIC_ACQUIRE);
    if (known != FD_UNKNOWN) return known;
    pthread_mutex_lock(&lock);
    char link[64], target[PATH_MAX];
    struct stat info;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    unsigned char result = FD_IGNORED;
    if (length > 0 && fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
        target[length] = 0;
        if (is_watched(target)) {
            free(paths[fd]);
            paths[fd] = strdup(target);
            inodes[fd] = (uint64_t)info.st_ino;
            int flags = fcntl(fd, F_GETFL);
            result = (flags >= 0 && (flags & (O_SYNC | O_DSYNC))) ? FD_TRACKED_SYNC : FD_TRACKED;
        }
    }
    __atomic_store_n(&state[fd], result, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lock);
    return result;
}

// Whether writes to fd must be journaled; when they must, returns with the lock held and *path and *inode set.
static int tracked_inode(int fd, const char **path, uint64_t *inode) {
    ENSURE();
    if (classify(fd) != FD_TRACKED) return 0;
    pthread_mutex_lock(&lock);
    if (state[fd] != FD_TRACKED) {  // closed or renamed meanwhile: classify again
        pthread_mutex_unlock(&lock);
        return tracked_inode(fd, path, inode);
    }
    *path = paths[fd];
    *inode = inodes[fd];
    return 1;
}

static int tracked(int fd, const char **path) {
    uint64_t inode;
    return tracked_inode(fd, path, &inode);
}

static void forget(int fd) {
    if (fd >= 0 && fd < MAX_DESCRIPTORS) {
        __atomic_store_n(&state[fd], FD_UNKNOWN, __ATOMIC_RELEASE);
        sync_descriptor[fd] = 0;
    }
}

static void journal_write(const void *bytes, size_t length) {
    const char *cursor = bytes;
    while (length > 0) {
        ssize_t written = real_write(journal, cursor, length);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            fprintf(stderr, "surgebench power-cut: cannot write the journal: %s\n", strerror(errno));
            abort();
        }
        cursor += written;
        length -= (size_t)written;
    }
}

// One record: a 48-byte header (type, length of the names, stamp, offset, size, length of the bytes, inode, all
// little-endian), the names joined by NUL bytes, then the bytes. Written with one buffer, so concurrent appenders (the
// processes of a server) never interleave within a record.
static void append_record(uint32_t type, uint64_t inode, const char *const *names, int name_count, uint64_t stamp,
                          uint64_t offset, uint64_t size, const struct iovec *parts, int part_count, uint64_t byte_length) {
    size_t names_length = 0;
    for (int index = 0; index < name_count; index++) names_length += strlen(names[index]) + (index > 0);
    size_t total = 48 + names_length + byte_length;
    unsigned char *record = malloc(total);
    if (!record) abort();
    uint32_t header32[2] = {type, (uint32_t)names_length};
    uint64_t header64[5] = {stamp, offset, size, byte_length, inode};
    memcpy(record, header32, 8);
    memcpy(record + 8, header64, 40);
    unsigned char *cursor = record + 48;
    for (int index = 0; index < name_count; index++) {
        if (index > 0) *cursor++ = 0;
        size_t length = strlen(names[index]);
        memcpy(cursor, names[index], length);
        cursor += length;
    }
    uint64_t left = byte_length;
    for (int index = 0; index < part_count && left > 0; index++) {
        size_t take = parts[index].iov_len < left ? parts[index].iov_len : left;
        memcpy(cursor, parts[index].iov_base, take);
        cursor += take;
        left -= take;
    }
    journal_write(record, total);
    free(record);
}

// A record naming one file.
static void append_simple(uint32_t type, uint64_t inode, const char *path, uint64_t stamp, uint64_t offset, uint64_t size) {
    append_record(type, inode, &path, 1, stamp, offset, size, NULL, 0, 0);
}

// A change about to be made to a file: the stamp and inode its undo record carried, for the redo record that follows.
struct change {
    uint64_t stamp;
    uint64_t inode;
    uint64_t offset;
};

// Saves what a change of [offset, offset + length) would destroy, and the size. Call with the lock held.
static struct change save_region(int fd, const char *path, uint64_t offset, uint64_t length) {
    struct change change = {stamp_now(), 0, offset};
    struct stat info;
    if (fstat(fd, &info) != 0) return change;
    change.inode = (uint64_t)info.st_ino;
    uint64_t old_size = (uint64_t)info.st_size;
    uint64_t saved_length = 0;
    unsigned char *saved = NULL;
    if (offset < old_size && length > 0) {
        saved_length = (offset + length <= old_size) ? length : old_size - offset;
        saved = malloc(saved_length);
        if (!saved) abort();
        // A descriptor opened write-only cannot be read: the old contents come through one of our own.
        int flags = fcntl(fd, F_GETFL);
        int reader = (flags >= 0 && (flags & O_ACCMODE) == O_WRONLY) ? real_open(path, O_RDONLY | O_CLOEXEC) : fd;
        uint64_t done = 0;
        while (reader >= 0 && done < saved_length) {
            ssize_t got = pread(reader, saved + done, saved_length - done, (off_t)(offset + done));
            if (got <= 0) break;
            done += (uint64_t)got;
        }
        if (reader != fd && reader >= 0) real_close(reader);
        if (done != saved_length) {
            fprintf(stderr, "surgebench power-cut: cannot save the old contents of %s: %s\n", path, strerror(errno));
            abort();  // an undo that cannot be complete would leave a torn file and blame the store
        }
    }
    struct iovec part = {saved, saved_length};
    append_record(POWERCUT_UNDO, change.inode, &path, 1, change.stamp, offset, old_size, &part, 1, saved_length);
    free(saved);
    return change;
}

// The redo record of a write that returned `result`: the bytes it put at the change's offset.
static void note_written(struct change change, const char *path, const struct iovec *parts, int part_count, ssize_t result) {
    if (result > 0 && change.inode != 0) {
        append_record(POWERCUT_WRITTEN, change.inode, &path, 1, change.stamp, change.offset, 0, parts, part_count, (uint64_t)result);
    }
}

// The redo record of a size change that succeeded: the file's size after it.
static void note_resized(int fd, struct change change, const char *path) {
    struct stat info;
    if (change.inode != 0 && fstat(fd, &info) == 0) {
        append_simple(POWERCUT_RESIZED, change.inode, path, change.stamp, (uint64_t)info.st_size, 0);
    }
}

static uint64_t current_offset(int fd, int *appending) {
    int flags = fcntl(fd, F_GETFL);
    *appending = flags >= 0 && (flags & O_APPEND);
    if (*appending) {
        struct stat info;
        return fstat(fd, &info) == 0 ? (uint64_t)info.st_size : 0;
    }
    off_t offset = lseek(fd, 0, SEEK_CUR);
    return offset < 0 ? 0 : (uint64_t)offset;
}

static size_t iov_total(const struct iovec *iov, int count) {
    size_t total = 0;
    for (int index = 0; index < count; index++) total += iov[index].iov_len;
    return total;
}

// --- Opening and closing: descriptors are classified lazily, on their first write.

static int mode_argument(int flags, va_list arguments) {
    return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(arguments, int) : 0;
}

static int prepare_open(int directory, const char *path, int flags, char *full, struct change *truncation);
static void finish_open(int fd, int existed, const char *full, struct change truncation);

// The open family: the mode argument is there only with O_CREAT or O_TMPFILE; the new descriptor is classified later.
// A name it creates, and a truncation it makes, are journaled.
#define OPEN_PASSING_MODE(directory, call)                                                  \
    ENSURE();                                                                               \
    va_list arguments;                                                                      \
    va_start(arguments, flags);                                                             \
    int mode = mode_argument(flags, arguments);                                             \
    va_end(arguments);                                                                      \
    char full[PATH_MAX];                                                                    \
    struct change truncation;                                                               \
    int existed = prepare_open(directory, path, flags, full, &truncation);                  \
    int fd = call;                                                                          \
    int saved_errno = errno;                                                                \
    forget(fd);                                                                             \
    note_sync_flags(fd, flags);                                                             \
    finish_open(fd, existed, full, truncation);                                             \
    errno = saved_errno;                                                                    \
    return fd;

int open(const char *path, int flags, ...) { OPEN_PASSING_MODE(AT_FDCWD, real_open(path, flags, mode)) }
int open64(const char *path, int flags, ...) { OPEN_PASSING_MODE(AT_FDCWD, real_open(path, flags, mode)) }
int openat(int directory, const char *path, int flags, ...) { OPEN_PASSING_MODE(directory, real_openat(directory, path, flags, mode)) }
int openat64(int directory, const char *path, int flags, ...) { OPEN_PASSING_MODE(directory, real_openat(directory, path, flags, mode)) }

int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags) { return open(path, flags); }
int __openat_2(int directory, const char *path, int flags) { return openat(directory, path, flags); }
int __openat64_2(int directory, const char *path, int flags) { return openat(directory, path, flags); }
int creat(const char *path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char *path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

int close(int fd) {
    ENSURE();
    forget(fd);
    return real_close(fd);
}

int dup2(int from, int to) {
    ENSURE();
    forget(to);
    return real_dup2(from, to);
}

int dup3(int from, int to, int flags) {
    ENSURE();
    forget(to);
    return real_dup3(from, to, flags);
}

// --- Writes: the old contents of the region go to the journal first.

ssize_t write(int fd, const void *bytes, size_t length) {
    ENSURE();
    const char *path;
    count_sync_write(fd);
    if (!tracked(fd, &path)) return real_write(fd, bytes, length);
    int appending;
    uint64_t offset = current_offset(fd, &appending);
    struct change change = save_region(fd, path, offset, length);
    ssize_t result = real_write(fd, bytes, length);
    struct iovec part = {(void *)bytes, length};
    note_written(change, path, &part, 1, result);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwrite(int fd, const void *bytes, size_t length, off_t offset) {
    ENSURE();
    const char *path;
    count_sync_write(fd);
    if (!tracked(fd, &path)) return real_pwrite(fd, bytes, length, offset);
    struct change change = save_region(fd, path, (uint64_t)offset, length);
    ssize_t result = real_pwrite(fd, bytes, length, offset);
    struct iovec part = {(void *)bytes, length};
    note_written(change, path, &part, 1, result);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwrite64(int fd, const void *bytes, size_t length, off_t offset) { return pwrite(fd, bytes, length, offset); }

ssize_t writev(int fd, const struct iovec *iov, int count) {
    ENSURE();
    const char *path;
    count_sync_write(fd);
    if (!tracked(fd, &path)) return real_writev(fd, iov, count);
    int appending;
    uint64_t offset = current_offset(fd, &appending);
    struct change change = save_region(fd, path, offset, iov_total(iov, count));
    ssize_t result = real_writev(fd, iov, count);
    note_written(change, path, iov, count, result);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
    ENSURE();
    const char *path;
    count_sync_write(fd);
    if (!tracked(fd, &path)) return real_pwritev(fd, iov, count, offset);
    struct change change = save_region(fd, path, (uint64_t)offset, iov_total(iov, count));
    ssize_t result = real_pwritev(fd, iov, count, offset);
    note_written(change, path, iov, count, result);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int count, off_t offset) { return pwritev(fd, iov, count, offset); }

ssize_t pwritev2(int fd, const struct iovec *iov, int count, off_t offset, int flags) {
    ENSURE();
    const char *path;
    if (flags & (RWF_DSYNC | RWF_SYNC)) tally(SYNC_COUNT_SYNC_WRITE); else count_sync_write(fd);
    if (!tracked(fd, &path)) return real_pwritev2(fd, iov, count, offset, flags);
    int appending;
    uint64_t start = offset == -1 ? current_offset(fd, &appending) : (uint64_t)offset;
    struct change change = save_region(fd, path, start, iov_total(iov, count));
    ssize_t result = real_pwritev2(fd, iov, count, offset, flags);
    note_written(change, path, iov, count, result);
    if (result >= 0 && (flags & (RWF_DSYNC | RWF_SYNC))) append_simple(POWERCUT_SYNC, change.inode, path, stamp_now(), 0, 0);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int count, off_t offset, int flags) {
    return pwritev2(fd, iov, count, offset, flags);
}

// A size change: what lies beyond the new size (when shrinking) is saved with the old size.
static struct change save_resize(int fd, const char *path, uint64_t new_size) {
    struct stat info;
    uint64_t old_size = fstat(fd, &info) == 0 ? (uint64_t)info.st_size : new_size;
    return save_region(fd, path, new_size < old_size ? new_size : old_size, new_size < old_size ? old_size - new_size : 0);
}

int ftruncate(int fd, off_t size) {
    ENSURE();
    const char *path;
    if (!tracked(fd, &path)) return real_ftruncate(fd, size);
    struct change change = save_resize(fd, path, (uint64_t)size);
    int result = real_ftruncate(fd, size);
    if (result == 0) note_resized(fd, change, path);
    pthread_mutex_unlock(&lock);
    return result;
}

int ftruncate64(int fd, off_t size) { return ftruncate(fd, size); }

int truncate(const char *path, off_t size) {
    ENSURE();
    int fd = real_open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return real_truncate(path, size);
    forget(fd);
    int result = ftruncate(fd, size);
    int saved_errno = errno;
    close(fd);
    errno = saved_errno;
    return result;
}

int truncate64(const char *path, off_t size) { return truncate(path, size); }

int fallocate(int fd, int mode, off_t offset, off_t length) {
    ENSURE();
    const char *path;
    if (!tracked(fd, &path)) return real_fallocate(fd, mode, offset, length);
    // Keeping the size changes nothing a reader sees; otherwise the file may grow (and punching holes destroys data).
    struct change change = save_region(fd, path, (uint64_t)offset,
                                       (mode & 0x01 /* FALLOC_FL_KEEP_SIZE */) && !(mode & 0x02) ? 0 : (uint64_t)length);
    int result = real_fallocate(fd, mode, offset, length);
    if (result == 0) note_resized(fd, change, path);
    pthread_mutex_unlock(&lock);
    return result;
}

int fallocate64(int fd, int mode, off_t offset, off_t length) { return fallocate(fd, mode, offset, length); }

int posix_fallocate(int fd, off_t offset, off_t length) {
    ENSURE();
    const char *path;
    if (!tracked(fd, &path)) return real_posix_fallocate(fd, offset, length);
    struct change change = save_region(fd, path, (uint64_t)offset, 0);
    int result = real_posix_fallocate(fd, offset, length);
    if (result == 0) note_resized(fd, change, path);
    pthread_mutex_unlock(&lock);
    return result;
}

int posix_fallocate64(int fd, off_t offset, off_t length) { return posix_fallocate(fd, offset, length); }

// --- Syncs: a sync record stamped with the moment the call began covers every write stamped before it.

static void note_directory_sync(int fd, uint64_t began);

static int synced(int fd, int (*call)(int), int kind) {
    ENSURE();
    int is_tracked = classify(fd) == FD_TRACKED;
    uint64_t began = stamp_now();
    int result = call(fd);
    if (result == 0) tally(kind);
    if (is_tracked && result == 0) {
        const char *path;
        uint64_t inode;
        if (tracked_inode(fd, &path, &inode)) {
            append_simple(POWERCUT_SYNC, inode, path, began, 0, 0);
            pthread_mutex_unlock(&lock);
        }
    } else if (result == 0) {
        note_directory_sync(fd, began);
    }
    return result;
}

int fsync(int fd) { return synced(fd, real_fsync, SYNC_COUNT_FSYNC); }
int fdatasync(int fd) { return synced(fd, real_fdatasync, SYNC_COUNT_FDATASYNC); }

void sync(void) {
    ENSURE();
    uint64_t began = stamp_now();
    real_sync();
    tally(SYNC_COUNT_SYNC_ALL);
    if (journal >= 0) append_simple(POWERCUT_SYNC_ALL, 0, "", began, 0, 0);
}

int syncfs(int fd) {
    ENSURE();
    uint64_t began = stamp_now();
    int result = real_syncfs(fd);
    if (result == 0) tally(SYNC_COUNT_SYNC_ALL);
    if (journal >= 0 && result == 0) append_simple(POWERCUT_SYNC_ALL, 0, "", began, 0, 0);
    return result;
}

// --- Directory operations: journaled with the names they touch; a removed or replaced file is kept in the shadow.

static int absolute(int directory, const char *path, char *out) {
    if (path[0] == '/') {
        snprintf(out, PATH_MAX, "%s", path);
        return 1;
    }
    char base[PATH_MAX];
    if (directory == AT_FDCWD) {
        if (!getcwd(base, sizeof base)) return 0;
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", directory);
        ssize_t length = readlink(link, base, sizeof base - 1);
        if (length <= 0) return 0;
        base[length] = 0;
    }
    snprintf(out, PATH_MAX, "%s/%s", base, path);
    return 1;
}

// Hard-links the regular file at `path` into the shadow, so that its removal can be undone; `kept` gets the link's
// path, or "" when there is none (no shadow, no such file, another file system). Call with the lock held.
static uint64_t keep_in_shadow(const char *path, char *kept) {
    kept[0] = 0;
    struct stat info;
    if (lstat(path, &info) != 0 || !S_ISREG(info.st_mode)) return 0;
    if (shadow[0]) {
        snprintf(kept, PATH_MAX, "%s/%d-%llu", shadow, (int)getpid(), (unsigned long long)++shadowed);
        if (link(path, kept) != 0) kept[0] = 0;
    }
    return (uint64_t)info.st_ino;
}

// The directory sync of fd, when it is a directory under the watched one.
static void note_directory_sync(int fd, uint64_t began) {
    struct stat info;
    if (journal < 0 || fstat(fd, &info) != 0 || !S_ISDIR(info.st_mode)) return;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length <= 0) return;
    target[length] = 0;
    if (!is_watched(target)) return;
    pthread_mutex_lock(&lock);
    append_simple(POWERCUT_DIRECTORY_SYNC, 0, target, began, 0, 0);
    pthread_mutex_unlock(&lock);
}

// Before an open with O_CREAT or O_TRUNC: whether the name exists, and (O_TRUNC of a journaled file) its contents saved
// as the undo of the truncation the open makes.
static int prepare_open(int directory, const char *path, int flags, char *full, struct change *truncation) {
    truncation->inode = 0;
    if (journal < 0 || !(flags & (O_CREAT | O_TRUNC)) || !absolute(directory, path, full) || !is_watched(full)) return -1;
    struct stat info;
    if (stat(full, &info) != 0) return 0;
    if ((flags & O_TRUNC) && S_ISREG(info.st_mode) && info.st_size > 0) {
        int reader = real_open(full, O_RDONLY | O_CLOEXEC);
        if (reader >= 0) {
            pthread_mutex_lock(&lock);
            *truncation = save_region(reader, full, 0, (uint64_t)info.st_size);
            pthread_mutex_unlock(&lock);
            real_close(reader);
        }
    }
    return 1;
}

// After the open: a new name is journaled as created, a truncation as resized to zero.
static void finish_open(int fd, int existed, const char *full, struct change truncation) {
    if (fd < 0 || existed < 0) return;
    pthread_mutex_lock(&lock);
    if (truncation.inode != 0) append_simple(POWERCUT_RESIZED, truncation.inode, full, truncation.stamp, 0, 0);
    struct stat info;
    if (!existed && fstat(fd, &info) == 0) append_simple(POWERCUT_CREATE, (uint64_t)info.st_ino, full, stamp_now(), 0, 0);
    pthread_mutex_unlock(&lock);
}

// A rename of watched names: the file it replaces is kept in the shadow first; the record names from, to and the
// replaced file's shadow link.
static int renamed(int from_directory, const char *from, int to_directory, const char *to, int (*call)(void *), void *context) {
    char old_path[PATH_MAX], new_path[PATH_MAX], kept[PATH_MAX];
    if (journal < 0 || !absolute(from_directory, from, old_path) || !absolute(to_directory, to, new_path)
        || (!is_watched(old_path) && !is_watched(new_path))) {
        return call(context);
    }
    pthread_mutex_lock(&lock);
    keep_in_shadow(new_path, kept);
    int result = call(context);
    int saved_errno = errno;
    struct stat info;
    if (result == 0) {
        const char *names[3] = {old_path, new_path, kept};
        append_record(POWERCUT_RENAME, lstat(new_path, &info) == 0 ? (uint64_t)info.st_ino : 0, names, 3, stamp_now(), 0, 0, NULL, 0, 0);
        for (int fd = 0; fd < MAX_DESCRIPTORS; fd++) {
            if (state[fd] != FD_UNKNOWN && paths[fd] && strcmp(paths[fd], old_path) == 0) state[fd] = FD_UNKNOWN;
        }
    } else if (kept[0]) {
        real_unlink(kept);
    }
    pthread_mutex_unlock(&lock);
    errno = saved_errno;
    return result;
}

struct rename_call {
    int from_directory, to_directory;
    const char *from, *to;
    unsigned int flags;
};

static int call_renameat2(void *context) {
    struct rename_call *call = context;
    if (call->flags == 0) return real_renameat(call->from_directory, call->from, call->to_directory, call->to);
    return real_renameat2(call->from_directory, call->from, call->to_directory, call->to, call->flags);
}

int rename(const char *from, const char *to) {
    ENSURE();
    struct rename_call call = {AT_FDCWD, AT_FDCWD, from, to, 0};
    return renamed(AT_FDCWD, from, AT_FDCWD, to, call_renameat2, &call);
}

int renameat(int from_directory, const char *from, int to_directory, const char *to) {
    ENSURE();
    struct rename_call call = {from_directory, to_directory, from, to, 0};
    return renamed(from_directory, from, to_directory, to, call_renameat2, &call);
}

int renameat2(int from_directory, const char *from, int to_directory, const char *to, unsigned int flags) {
    ENSURE();
    struct rename_call call = {from_directory, to_directory, from, to, flags};
    return renamed(from_directory, from, to_directory, to, call_renameat2, &call);
}

// An unlink of a watched file: kept in the shadow first, so that a cut can bring it back.
static int unlinked(int directory, const char *path, int flags) {
    char full[PATH_MAX], kept[PATH_MAX];
    if (journal < 0 || (flags & AT_REMOVEDIR) || !absolute(directory, path, full) || !is_watched(full)) {
        return real_unlinkat(directory, path, flags);
    }
    pthread_mutex_lock(&lock);
    uint64_t inode = keep_in_shadow(full, kept);
    int result = real_unlinkat(directory, path, flags);
    int saved_errno = errno;
    if (result == 0) {
        const char *names[2] = {full, kept};
        append_record(POWERCUT_UNLINK, inode, names, 2, stamp_now(), 0, 0, NULL, 0, 0);
    } else if (kept[0]) {
        real_unlink(kept);
    }
    pthread_mutex_unlock(&lock);
    errno = saved_errno;
    return result;
}

int unlink(const char *path) {
    ENSURE();
    return unlinked(AT_FDCWD, path, 0);
}

int unlinkat(int directory, const char *path, int flags) {
    ENSURE();
    return unlinked(directory, path, flags);
}

// --- Shared writable mappings cannot be followed: they are reported.

void *mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    ENSURE();
    const char *path;
    if ((protection & PROT_WRITE) && (flags & MAP_SHARED) && tracked(fd, &path)) {
        append_simple(POWERCUT_MAPPED, 0, path, stamp_now(), 0, 0);
        pthread_mutex_unlock(&lock);
    }
    return real_mmap(address, length, protection, flags, fd, offset);
}

void *mmap64(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    return mmap(address, length, protection, flags, fd, offset);
}

// --- Counted only: msync() and sync_file_range() are outside the power-cut model (see the top of this file).

int msync(void *address, size_t length, int flags) {
    ENSURE();
    int result = real_msync(address, length, flags);
    if (result == 0 && (flags & MS_SYNC)) tally(SYNC_COUNT_MSYNC);
    return result;
}

int sync_file_range(int fd, off64_t offset, off64_t length, unsigned int flags) {
    ENSURE();
    int result = real_sync_file_range(fd, offset, length, flags);
    if (result == 0) tally(SYNC_COUNT_SYNC_FILE_RANGE);
    return result;
}
