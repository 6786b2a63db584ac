// SurgeBench's power-cut simulator: an LD_PRELOAD library that lets a store be put back to what a power cut would
// leave of it.
//
// Model: a file system that keeps what was synced and nothing else. Before every write, truncation or extension of
// a regular file under SURGEBENCH_POWERCUT_DIR, the library appends the region's old contents and the file's old size
// to the journal SURGEBENCH_POWERCUT_JOURNAL (an undo record, stamped with the monotonic clock); when fsync() or
// fdatasync() of a file returns, it appends a sync record stamped with the moment the call began. After the process
// is killed, SurgeBench applies, for each file and newest first, the undo records stamped after the file's last sync
// began: the file is then as it was at its last sync.
//
// Limits (also in docs/crash-testing.md): directory operations (create, rename, unlink) count as durable at once; writes
// through shared writable mappings are not modelled (they are reported); a write is undone whole (no torn sectors);
// O_SYNC and O_DSYNC descriptors are durable at every write; sync_file_range() and msync() make nothing durable.
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
static int (*real_rename)(const char *, const char *);
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
    real_rename = dlsym(RTLD_NEXT, "rename");
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
            int flags = fcntl(fd, F_GETFL);
            result = (flags >= 0 && (flags & (O_SYNC | O_DSYNC))) ? FD_TRACKED_SYNC : FD_TRACKED;
        }
    }
    __atomic_store_n(&state[fd], result, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lock);
    return result;
}

// Whether writes to fd must be journaled; when they must, returns with the lock held and *path set.
static int tracked(int fd, const char **path) {
    ENSURE();
    if (classify(fd) != FD_TRACKED) return 0;
    pthread_mutex_lock(&lock);
    if (state[fd] != FD_TRACKED) {  // closed or renamed meanwhile: classify again
        pthread_mutex_unlock(&lock);
        return tracked(fd, path);
    }
    *path = paths[fd];
    return 1;
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

// One record: a header, the path(s), then the saved bytes. Written with one buffer, so concurrent appenders (the
// processes of a server) never interleave within a record.
static void append_record(uint32_t type, const char *path, const char *second_path, uint64_t stamp, uint64_t offset,
                          uint64_t old_size, const void *saved, uint64_t saved_length) {
    size_t first_length = strlen(path);
    size_t path_length = second_path ? first_length + 1 + strlen(second_path) : first_length;
    size_t total = 40 + path_length + saved_length;
    unsigned char *record = malloc(total);
    if (!record) abort();
    uint32_t header32[2] = {type, (uint32_t)path_length};
    uint64_t header64[4] = {stamp, offset, old_size, saved_length};
    memcpy(record, header32, 8);
    memcpy(record + 8, header64, 32);
    memcpy(record + 40, path, first_length);
    if (second_path) {
        record[40 + first_length] = 0;
        memcpy(record + 40 + first_length + 1, second_path, strlen(second_path));
    }
    if (saved_length) memcpy(record + 40 + path_length, saved, saved_length);
    journal_write(record, total);
    free(record);
}

// Saves what a change of [offset, offset + length) and of the size to new_size would destroy. Call with the lock held.
static void save_region(int fd, const char *path, uint64_t offset, uint64_t length) {
    struct stat info;
    if (fstat(fd, &info) != 0) return;
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
    append_record(POWERCUT_UNDO, path, NULL, stamp_now(), offset, old_size, saved, saved_length);
    free(saved);
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

// The open family: the mode argument is there only with O_CREAT or O_TMPFILE; the new descriptor is classified later.
#define OPEN_PASSING_MODE(call)                                   \
    ENSURE();                                                     \
    va_list arguments;                                            \
    va_start(arguments, flags);                                   \
    int mode = mode_argument(flags, arguments);                   \
    va_end(arguments);                                            \
    int fd = call;                                                \
    forget(fd);                                                   \
    note_sync_flags(fd, flags);                                   \
    return fd;

int open(const char *path, int flags, ...) { OPEN_PASSING_MODE(real_open(path, flags, mode)) }
int open64(const char *path, int flags, ...) { OPEN_PASSING_MODE(real_open(path, flags, mode)) }
int openat(int directory, const char *path, int flags, ...) { OPEN_PASSING_MODE(real_openat(directory, path, flags, mode)) }
int openat64(int directory, const char *path, int flags, ...) { OPEN_PASSING_MODE(real_openat(directory, path, flags, mode)) }

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
    save_region(fd, path, offset, length);
    ssize_t result = real_write(fd, bytes, length);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwrite(int fd, const void *bytes, size_t length, off_t offset) {
    ENSURE();
    const char *path;
    count_sync_write(fd);
    if (!tracked(fd, &path)) return real_pwrite(fd, bytes, length, offset);
    save_region(fd, path, (uint64_t)offset, length);
    ssize_t result = real_pwrite(fd, bytes, length, offset);
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
    save_region(fd, path, offset, iov_total(iov, count));
    ssize_t result = real_writev(fd, iov, count);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
    ENSURE();
    const char *path;
    count_sync_write(fd);
    if (!tracked(fd, &path)) return real_pwritev(fd, iov, count, offset);
    save_region(fd, path, (uint64_t)offset, iov_total(iov, count));
    ssize_t result = real_pwritev(fd, iov, count, offset);
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
    save_region(fd, path, start, iov_total(iov, count));
    ssize_t result = real_pwritev2(fd, iov, count, offset, flags);
    if (result >= 0 && (flags & (RWF_DSYNC | RWF_SYNC))) append_record(POWERCUT_SYNC, path, NULL, stamp_now(), 0, 0, NULL, 0);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int count, off_t offset, int flags) {
    return pwritev2(fd, iov, count, offset, flags);
}

// A size change: what lies beyond the new size (when shrinking) is saved with the old size.
static void save_resize(int fd, const char *path, uint64_t new_size) {
    struct stat info;
    if (fstat(fd, &info) != 0) return;
    uint64_t old_size = (uint64_t)info.st_size;
    save_region(fd, path, new_size < old_size ? new_size : old_size, new_size < old_size ? old_size - new_size : 0);
}

int ftruncate(int fd, off_t size) {
    ENSURE();
    const char *path;
    if (!tracked(fd, &path)) return real_ftruncate(fd, size);
    save_resize(fd, path, (uint64_t)size);
    int result = real_ftruncate(fd, size);
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
    save_region(fd, path, (uint64_t)offset, (mode & 0x01 /* FALLOC_FL_KEEP_SIZE */) && !(mode & 0x02) ? 0 : (uint64_t)length);
    int result = real_fallocate(fd, mode, offset, length);
    pthread_mutex_unlock(&lock);
    return result;
}

int fallocate64(int fd, int mode, off_t offset, off_t length) { return fallocate(fd, mode, offset, length); }

int posix_fallocate(int fd, off_t offset, off_t length) {
    ENSURE();
    const char *path;
    if (!tracked(fd, &path)) return real_posix_fallocate(fd, offset, length);
    save_region(fd, path, (uint64_t)offset, 0);
    int result = real_posix_fallocate(fd, offset, length);
    pthread_mutex_unlock(&lock);
    return result;
}

int posix_fallocate64(int fd, off_t offset, off_t length) { return posix_fallocate(fd, offset, length); }

// --- Syncs: a sync record stamped with the moment the call began covers every write stamped before it.

static int synced(int fd, int (*call)(int), int kind) {
    ENSURE();
    int is_tracked = classify(fd) == FD_TRACKED;
    uint64_t began = stamp_now();
    int result = call(fd);
    if (result == 0) tally(kind);
    if (is_tracked && result == 0) {
        const char *path;
        if (tracked(fd, &path)) {
            append_record(POWERCUT_SYNC, path, NULL, began, 0, 0, NULL, 0);
            pthread_mutex_unlock(&lock);
        }
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
    if (journal >= 0) append_record(POWERCUT_SYNC_ALL, "", NULL, began, 0, 0, NULL, 0);
}

int syncfs(int fd) {
    ENSURE();
    uint64_t began = stamp_now();
    int result = real_syncfs(fd);
    if (result == 0) tally(SYNC_COUNT_SYNC_ALL);
    if (journal >= 0 && result == 0) append_record(POWERCUT_SYNC_ALL, "", NULL, began, 0, 0, NULL, 0);
    return result;
}

// --- Directory operations are durable at once; the journal follows renamed files.

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

static void note_rename(int from_directory, const char *from, int to_directory, const char *to) {
    char old_path[PATH_MAX], new_path[PATH_MAX];
    if (journal < 0 || !absolute(from_directory, from, old_path) || !absolute(to_directory, to, new_path)) return;
    if (!is_watched(old_path) && !is_watched(new_path)) return;
    pthread_mutex_lock(&lock);
    append_record(POWERCUT_RENAME, old_path, new_path, stamp_now(), 0, 0, NULL, 0);
    for (int fd = 0; fd < MAX_DESCRIPTORS; fd++) {
        if (state[fd] != FD_UNKNOWN && paths[fd] && strcmp(paths[fd], old_path) == 0) state[fd] = FD_UNKNOWN;
    }
    pthread_mutex_unlock(&lock);
}

int rename(const char *from, const char *to) {
    ENSURE();
    int result = real_rename(from, to);
    if (result == 0) note_rename(AT_FDCWD, from, AT_FDCWD, to);
    return result;
}

int renameat(int from_directory, const char *from, int to_directory, const char *to) {
    ENSURE();
    int result = real_renameat(from_directory, from, to_directory, to);
    if (result == 0) note_rename(from_directory, from, to_directory, to);
    return result;
}

int renameat2(int from_directory, const char *from, int to_directory, const char *to, unsigned int flags) {
    ENSURE();
    int result = real_renameat2(from_directory, from, to_directory, to, flags);
    if (result == 0) note_rename(from_directory, from, to_directory, to);
    return result;
}

static void note_unlink(int directory, const char *path) {
    char full[PATH_MAX];
    if (journal < 0 || !absolute(directory, path, full) || !is_watched(full)) return;
    pthread_mutex_lock(&lock);
    append_record(POWERCUT_UNLINK, full, NULL, stamp_now(), 0, 0, NULL, 0);
    pthread_mutex_unlock(&lock);
}

int unlink(const char *path) {
    ENSURE();
    int result = real_unlink(path);
    if (result == 0) note_unlink(AT_FDCWD, path);
    return result;
}

int unlinkat(int directory, const char *path, int flags) {
    ENSURE();
    int result = real_unlinkat(directory, path, flags);
    if (result == 0 && !(flags & AT_REMOVEDIR)) note_unlink(directory, path);
    return result;
}

// --- Shared writable mappings cannot be followed: they are reported.

void *mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    ENSURE();
    const char *path;
    if ((protection & PROT_WRITE) && (flags & MAP_SHARED) && tracked(fd, &path)) {
        append_record(POWERCUT_MAPPED, path, NULL, stamp_now(), 0, 0, NULL, 0);
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
