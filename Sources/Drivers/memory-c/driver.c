/* SurgeBench reference driver in C: a message store in memory, with an optional append-only log for durability.
 * Written from docs/driver-protocol.md alone. One thread per connection; one lock around the store.
 *
 *   driver          declares the modes memory (nothing survives), log (a log written per write, never synced: survives
 *                   a process kill) and log-sync (the log synced per write with fdatasync: survives a power loss)
 *   driver --null   the null driver: memory only, the floor of the protocol hop
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

enum { INVALID_ARGUMENT = 1, UNKNOWN_USER, UNKNOWN_CHAT, NOT_A_MEMBER, INVALID_OPTION, CANNOT_OPEN, NOT_A_STORE,
       STORE_FULL, BUSY, UNAVAILABLE, NOT_REPLICATED, ENGINE };
enum { DEFINITE = 0, INDEFINITE = 1 };
#define LARGEST_FRAME (64u << 20)

static const char *full_description =
    "{\"protocol\":1,\"name\":\"memory-c\",\"version\":\"1.0\",\"summary\":\"a store in memory in C, with an optional "
    "append-only log (a reference driver)\",\"durability\":{\"option\":\"durability\",\"default\":\"log-sync\","
    "\"bulkLoad\":\"log\",\"modes\":["
    "{\"name\":\"memory\",\"processKill\":\"nothing\",\"powerLoss\":\"nothing\",\"documentation\":\"nothing is written\"},"
    "{\"name\":\"log\",\"processKill\":\"keeps\",\"powerLoss\":\"nothing\",\"documentation\":\"each write is appended to "
    "a log before its reply, never synced\"},"
    "{\"name\":\"log-sync\",\"processKill\":\"keeps\",\"powerLoss\":\"keeps\",\"documentation\":\"each write is appended "
    "to the log and fdatasync'd before its reply\"}]},\"groupCommit\":false}";
static const char *null_description =
    "{\"protocol\":1,\"name\":\"null\",\"version\":\"1.0\",\"summary\":\"the null driver: answers from memory at once, "
    "the floor of the protocol hop\",\"durability\":{\"default\":\"memory\",\"modes\":[{\"name\":\"memory\","
    "\"processKill\":\"nothing\",\"powerLoss\":\"nothing\",\"documentation\":\"nothing is written\"}]}}";
static const char *description;

/* ---- growable buffers ---- */
typedef struct { uint8_t *data; size_t length, capacity; } buffer;

static void reserve(buffer *b, size_t more) {
    if (b->length + more <= b->capacity) return;
    size_t capacity = b->capacity ? b->capacity : 256;
    while (capacity < b->length + more) capacity *= 2;
    b->data = realloc(b->data, capacity);
    if (!b->data) { perror("realloc"); exit(70); }
    b->capacity = capacity;
}
static void put(buffer *b, const void *bytes, size_t n) { reserve(b, n); memcpy(b->data + b->length, bytes, n); b->length += n; }
static void put_u8(buffer *b, uint8_t v) { put(b, &v, 1); }
static void put_u32(buffer *b, uint32_t v) { put(b, &v, 4); }  /* little-endian machines only (x86-64, arm64) */
static void put_u64(buffer *b, uint64_t v) { put(b, &v, 8); }
static void put_bytes(buffer *b, const void *bytes, uint32_t n) { put_u32(b, n); put(b, bytes, n); }

/* ---- reading a request ---- */
typedef struct { const uint8_t *data; size_t length, at; int bad; } reader;

static int need(reader *r, size_t n) { if (r->bad || r->length - r->at < n) { r->bad = 1; return 0; } return 1; }
static uint8_t get_u8(reader *r) { if (!need(r, 1)) return 0; return r->data[r->at++]; }
static uint32_t get_u32(reader *r) { uint32_t v = 0; if (need(r, 4)) { memcpy(&v, r->data + r->at, 4); r->at += 4; } return v; }
static uint64_t get_u64(reader *r) { uint64_t v = 0; if (need(r, 8)) { memcpy(&v, r->data + r->at, 8); r->at += 8; } return v; }
static const uint8_t *get_bytes(reader *r, uint32_t *n) {
    *n = get_u32(r);
    if (!need(r, *n)) return NULL;
    const uint8_t *p = r->data + r->at;
    r->at += *n;
    return p;
}

/* ---- a hash map of 128-bit keys to 128-bit values (open addressing; keys never removed) ---- */
typedef struct { uint64_t k1, k2, v1, v2; int used; } slot;
typedef struct { slot *slots; size_t capacity, count; } map;

static uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
    h ^= h >> 31; h *= 0xBF58476D1CE4E5B9ull; h ^= h >> 29;
    return h;
}
static slot *map_find(map *m, uint64_t k1, uint64_t k2) {
    if (!m->capacity) return NULL;
    for (size_t i = mix(k1, k2) & (m->capacity - 1);; i = (i + 1) & (m->capacity - 1)) {
        if (!m->slots[i].used) return NULL;
        if (m->slots[i].k1 == k1 && m->slots[i].k2 == k2) return &m->slots[i];
    }
}
static void map_put(map *m, uint64_t k1, uint64_t k2, uint64_t v1, uint64_t v2) {
    if ((m->count + 1) * 2 > m->capacity) {
        map old = *m;
        m->capacity = old.capacity ? old.capacity * 2 : 1024;
        m->slots = calloc(m->capacity, sizeof(slot));
        m->count = 0;
        for (size_t i = 0; i < old.capacity; i++)
            if (old.slots[i].used) map_put(m, old.slots[i].k1, old.slots[i].k2, old.slots[i].v1, old.slots[i].v2);
        free(old.slots);
    }
    size_t i = mix(k1, k2) & (m->capacity - 1);
    while (m->slots[i].used && !(m->slots[i].k1 == k1 && m->slots[i].k2 == k2)) i = (i + 1) & (m->capacity - 1);
    if (!m->slots[i].used) m->count++;
    m->slots[i] = (slot){k1, k2, v1, v2, 1};
}

/* ---- the store ---- */
typedef struct { uint64_t user, read, unread; } member;
typedef struct { uint64_t sender, client_id; uint8_t *body; uint32_t length; } message;
typedef struct {
    member *members; size_t member_count;
    message *messages; size_t message_count, message_capacity;
    uint64_t activity;
} chat;
typedef struct { uint64_t *chats; size_t count, capacity; } chat_list;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int opened;
static chat *chats; static size_t chat_count, chat_capacity;
static chat_list *user_chats; static size_t user_count, user_capacity;
static map phones, contacts, direct_chats, sends;
static uint64_t clock_now;
static int log_fd = -1, log_sync, replaying;

/* An error reply, or 0 when the operation went through. */
typedef struct { int kind, certainty; char message[512]; } failure;
#define FAIL(f, k, ...) do { (f)->kind = (k); (f)->certainty = DEFINITE; snprintf((f)->message, sizeof (f)->message, __VA_ARGS__); return; } while (0)

/* A phone number, 1 to 32 characters of digits after an optional '+', packed exactly into 128 bits (4 bits each). */
static int phone_key(const uint8_t *text, uint32_t n, uint64_t key[2]) {
    if (n == 0 || n > 32) return 0;
    key[0] = key[1] = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t nibble;
        if (text[i] >= '0' && text[i] <= '9') nibble = (uint64_t)(text[i] - '0') + 1;
        else if (text[i] == '+' && i == 0) nibble = 11;
        else return 0;
        key[i / 16] |= nibble << (4 * (i % 16));
    }
    return 1;
}

static int known_user(uint64_t user) { return user >= 1 && user <= user_count; }
static chat *find_chat(uint64_t id) { return id >= 1 && id <= chat_count ? &chats[id - 1] : NULL; }
static member *find_member(chat *c, uint64_t user) {
    for (size_t i = 0; i < c->member_count; i++) if (c->members[i].user == user) return &c->members[i];
    return NULL;
}

static uint64_t new_chat(const uint64_t *users, size_t n) {
    if (chat_count == chat_capacity) {
        chat_capacity = chat_capacity ? chat_capacity * 2 : 1024;
        chats = realloc(chats, chat_capacity * sizeof(chat));
    }
    chat *c = &chats[chat_count++];
    memset(c, 0, sizeof *c);
    c->members = calloc(n ? n : 1, sizeof(member));
    c->member_count = n;
    c->activity = ++clock_now;
    for (size_t i = 0; i < n; i++) {
        c->members[i].user = users[i];
        chat_list *list = &user_chats[users[i] - 1];
        if (list->count == list->capacity) {
            list->capacity = list->capacity ? list->capacity * 2 : 4;
            list->chats = realloc(list->chats, list->capacity * sizeof(uint64_t));
        }
        list->chats[list->count++] = chat_count;
    }
    return chat_count;
}

static void op_register(reader *r, buffer *out, failure *f) {
    uint32_t n, name_length;
    const uint8_t *phone = get_bytes(r, &n);
    get_bytes(r, &name_length);
    uint64_t key[2];
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed REGISTER");
    if (!phone_key(phone, n, key)) FAIL(f, INVALID_ARGUMENT, "not a phone number");
    slot *s = map_find(&phones, key[0], key[1]);
    if (s) { put_u64(out, s->v1); put_u8(out, 0); return; }
    if (user_count == user_capacity) {
        user_capacity = user_capacity ? user_capacity * 2 : 1024;
        user_chats = realloc(user_chats, user_capacity * sizeof(chat_list));
    }
    memset(&user_chats[user_count++], 0, sizeof(chat_list));
    map_put(&phones, key[0], key[1], user_count, 0);
    put_u64(out, user_count);
    put_u8(out, 1);
}

static void op_import_contacts(reader *r, buffer *out, failure *f) {
    uint64_t owner = get_u64(r);
    uint32_t count = get_u32(r);
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed IMPORT_CONTACTS");
    if (!known_user(owner)) FAIL(f, UNKNOWN_USER, "user %llu is not registered", (unsigned long long)owner);
    buffer matches = {0};
    uint32_t found = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t n;
        const uint8_t *phone = get_bytes(r, &n);
        uint64_t key[2];
        if (r->bad) { free(matches.data); FAIL(f, INVALID_ARGUMENT, "malformed IMPORT_CONTACTS"); }
        slot *s = phone_key(phone, n, key) ? map_find(&phones, key[0], key[1]) : NULL;
        if (!s || s->v1 == owner) continue;
        map_put(&contacts, owner, s->v1, 1, 0);
        put_bytes(&matches, phone, n);
        put_u64(&matches, s->v1);
        found++;
    }
    put_u32(out, found);
    put(out, matches.data, matches.length);
    free(matches.data);
}

static void op_direct_chat(reader *r, buffer *out, failure *f) {
    uint64_t a = get_u64(r), b = get_u64(r);
    if (r->bad || a == b) FAIL(f, INVALID_ARGUMENT, "a direct chat needs two different users");
    if (!known_user(a) || !known_user(b)) FAIL(f, UNKNOWN_USER, "a user of the pair is not registered");
    uint64_t low = a < b ? a : b, high = a < b ? b : a;
    slot *s = map_find(&direct_chats, low, high);
    if (s) { put_u64(out, s->v1); return; }
    uint64_t pair[2] = {low, high};
    uint64_t id = new_chat(pair, 2);
    map_put(&direct_chats, low, high, id, 0);
    put_u64(out, id);
}

static void op_create_group(reader *r, buffer *out, failure *f) {
    uint64_t creator = get_u64(r);
    uint32_t count = get_u32(r);
    if (r->bad || count > (r->length - r->at) / 8) FAIL(f, INVALID_ARGUMENT, "malformed CREATE_GROUP");
    uint64_t *users = malloc((count + 1) * sizeof(uint64_t));
    size_t n = 0;
    users[n++] = creator;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t user = get_u64(r);
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++) seen = users[j] == user;
        if (!seen) users[n++] = user;
    }
    for (size_t i = 0; i < n; i++)
        if (!known_user(users[i])) { free(users); FAIL(f, UNKNOWN_USER, "a member is not registered"); }
    put_u64(out, new_chat(users, n));
    free(users);
}

static void op_send(reader *r, buffer *out, failure *f) {
    uint64_t id = get_u64(r), sender = get_u64(r), client_id = get_u64(r);
    uint32_t length;
    const uint8_t *body = get_bytes(r, &length);
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed SEND");
    slot *s = map_find(&sends, sender, client_id);
    if (s) { put_u64(out, s->v2); put_u8(out, 1); return; }
    chat *c = find_chat(id);
    if (!c) FAIL(f, UNKNOWN_CHAT, "chat %llu does not exist", (unsigned long long)id);
    if (!find_member(c, sender)) FAIL(f, NOT_A_MEMBER, "user %llu is not a member of chat %llu", (unsigned long long)sender, (unsigned long long)id);
    if (c->message_count == c->message_capacity) {
        c->message_capacity = c->message_capacity ? c->message_capacity * 2 : 8;
        c->messages = realloc(c->messages, c->message_capacity * sizeof(message));
    }
    message *m = &c->messages[c->message_count++];
    m->sender = sender;
    m->client_id = client_id;
    m->length = length;
    m->body = malloc(length ? length : 1);
    memcpy(m->body, body, length);
    c->activity = ++clock_now;
    for (size_t i = 0; i < c->member_count; i++) if (c->members[i].user != sender) c->members[i].unread++;
    map_put(&sends, sender, client_id, id, c->message_count);
    put_u64(out, c->message_count);
    put_u8(out, 0);
}

static void op_history(reader *r, buffer *out, failure *f) {
    uint64_t id = get_u64(r);
    uint64_t before = get_u8(r) ? get_u64(r) : UINT64_MAX;
    uint32_t limit = get_u32(r);
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed HISTORY");
    chat *c = find_chat(id);
    if (!c) FAIL(f, UNKNOWN_CHAT, "chat %llu does not exist", (unsigned long long)id);
    uint64_t end = before == 0 ? 0 : before - 1;  /* newest sequence to return */
    if (end > c->message_count) end = c->message_count;
    uint32_t n = end < limit ? (uint32_t)end : limit;
    put_u32(out, n);
    for (uint32_t i = 0; i < n; i++) {
        message *m = &c->messages[end - 1 - i];
        put_u64(out, end - i);
        put_u64(out, m->sender);
        put_u64(out, m->client_id);
        put_bytes(out, m->body, m->length);
    }
}

static void op_mark_read(reader *r, buffer *out, failure *f) {
    uint64_t id = get_u64(r), user = get_u64(r), sequence = get_u64(r);
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed MARK_READ");
    chat *c = find_chat(id);
    if (!c) FAIL(f, UNKNOWN_CHAT, "chat %llu does not exist", (unsigned long long)id);
    member *m = find_member(c, user);
    if (!m) FAIL(f, NOT_A_MEMBER, "user %llu is not a member of chat %llu", (unsigned long long)user, (unsigned long long)id);
    uint64_t target = sequence < c->message_count ? sequence : c->message_count;
    if (target > m->read) {
        uint64_t unread = 0;
        for (uint64_t s = target; s < c->message_count; s++) unread += c->messages[s].sender != user;
        m->read = target;
        m->unread = unread;
    }
    put_u64(out, m->read);
}

static const chat *sort_base;
static int by_activity(const void *a, const void *b) {
    uint64_t x = sort_base[*(const uint64_t *)a - 1].activity, y = sort_base[*(const uint64_t *)b - 1].activity;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void op_inbox(reader *r, buffer *out, failure *f) {
    uint64_t user = get_u64(r);
    uint32_t limit = get_u32(r);
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed INBOX");
    if (!known_user(user)) FAIL(f, UNKNOWN_USER, "user %llu is not registered", (unsigned long long)user);
    chat_list *list = &user_chats[user - 1];
    uint64_t *ordered = malloc((list->count ? list->count : 1) * sizeof(uint64_t));
    memcpy(ordered, list->chats, list->count * sizeof(uint64_t));
    sort_base = chats;
    qsort(ordered, list->count, sizeof(uint64_t), by_activity);
    uint32_t n = list->count < limit ? (uint32_t)list->count : limit;
    put_u32(out, n);
    for (uint32_t i = 0; i < n; i++) {
        chat *c = &chats[ordered[i] - 1];
        member *m = find_member(c, user);
        put_u64(out, ordered[i]);
        put_u64(out, c->message_count);
        put_u64(out, m->read);
        put_u64(out, m->unread);
    }
    free(ordered);
}

static void op_user_by_phone(reader *r, buffer *out, failure *f) {
    uint32_t n;
    const uint8_t *phone = get_bytes(r, &n);
    uint64_t key[2];
    if (r->bad || !phone_key(phone, n, key)) FAIL(f, INVALID_ARGUMENT, "not a phone number");
    slot *s = map_find(&phones, key[0], key[1]);
    if (s) { put_u8(out, 1); put_u64(out, s->v1); } else put_u8(out, 0);
}

static void op_summary(reader *r, buffer *out, failure *f) {
    uint64_t after = get_u64(r);
    uint32_t limit = get_u32(r);
    if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed SUMMARY");
    put_u64(out, user_count);
    uint64_t first = after < chat_count ? after : chat_count;
    uint64_t n = chat_count - first < limit ? chat_count - first : limit;
    put_u32(out, (uint32_t)n);
    for (uint64_t i = first; i < first + n; i++) {
        put_u64(out, i + 1);
        put_u32(out, (uint32_t)chats[i].member_count);
        put_u64(out, chats[i].message_count);
        put_u64(out, chats[i].message_count);
        put_u64(out, chats[i].message_count);
    }
}

typedef void (*operation)(reader *, buffer *, failure *);
static operation operations[256];
static int writes[256];

/* Appends a write's request to the log (and syncs it in log-sync); a failure here leaves the reply in doubt. */
static int append_log(const uint8_t *frame, uint32_t length, failure *f) {
    if (log_fd < 0 || replaying) return 1;
    uint8_t prefix[4];
    memcpy(prefix, &length, 4);
    struct iovec parts[2] = {{prefix, 4}, {(void *)frame, length}};
    ssize_t written = writev(log_fd, parts, 2);
    if (written != (ssize_t)length + 4 || (log_sync && fdatasync(log_fd) != 0)) {
        f->kind = errno == ENOSPC ? STORE_FULL : ENGINE;
        f->certainty = INDEFINITE;
        snprintf(f->message, sizeof f->message, "writing the log failed: %s", strerror(errno));
        return 0;
    }
    return 1;
}

/* Reads the log back into memory; a torn last record (a crash mid-append) is cut off. */
static int replay_log(const char *path, failure *f) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { f->kind = NOT_A_STORE; snprintf(f->message, sizeof f->message, "%.400s: %s", path, strerror(errno)); return 0; }
    struct stat info;
    fstat(fd, &info);
    uint8_t *data = malloc(info.st_size ? info.st_size : 1);
    size_t have = 0;
    while (have < (size_t)info.st_size) {
        ssize_t n = read(fd, data + have, info.st_size - have);
        if (n <= 0) break;
        have += n;
    }
    close(fd);
    size_t at = 0;
    replaying = 1;
    while (have - at >= 4) {
        uint32_t length;
        memcpy(&length, data + at, 4);
        if (length == 0 || length > have - at - 4) break;
        reader r = {data + at + 5, length - 1, 0, 0};
        buffer ignored = {0};
        failure none = {0};
        if (operations[data[at + 4]]) operations[data[at + 4]](&r, &ignored, &none);
        free(ignored.data);
        at += 4 + length;
    }
    replaying = 0;
    free(data);
    if (truncate(path, at) != 0) { f->kind = ENGINE; snprintf(f->message, sizeof f->message, "cannot cut the log's torn end"); return 0; }
    return 1;
}

static void op_open(reader *r, failure *f) {
    int fresh = get_u8(r);
    uint32_t count = get_u32(r);
    char path[4096] = "", mode[64] = "memory";
    for (uint32_t i = 0; i < count; i++) {
        uint32_t nn, vn;
        const uint8_t *name = get_bytes(r, &nn), *value = get_bytes(r, &vn);
        if (r->bad) FAIL(f, INVALID_ARGUMENT, "malformed OPEN");
        if (nn == 4 && !memcmp(name, "path", 4) && vn < sizeof path) { memcpy(path, value, vn); path[vn] = 0; }
        if (nn == 10 && !memcmp(name, "durability", 10) && vn < sizeof mode) { memcpy(mode, value, vn); mode[vn] = 0; }
    }
    if (opened) FAIL(f, INVALID_ARGUMENT, "the store is open already");
    if (strcmp(mode, "memory") == 0) { opened = 1; return; }
    if (description == null_description || (strcmp(mode, "log") && strcmp(mode, "log-sync")))
        FAIL(f, INVALID_OPTION, "durability '%s' is not one of memory, log, log-sync", mode);
    char file[4200];
    snprintf(file, sizeof file, "%s/messages.log", path);
    if (!fresh && !replay_log(file, f)) return;
    log_fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) FAIL(f, CANNOT_OPEN, "cannot open %.400s: %s", file, strerror(errno));
    if (fresh) {  /* the log's directory entry must survive a power loss too */
        fsync(log_fd);
        int directory = open(path, O_RDONLY | O_DIRECTORY);
        if (directory >= 0) { fsync(directory); close(directory); }
    }
    log_sync = strcmp(mode, "log-sync") == 0;
    opened = 1;
}

static int read_all(int fd, void *into, size_t n) {
    for (size_t have = 0; have < n;) {
        ssize_t got = read(fd, (uint8_t *)into + have, n - have);
        if (got <= 0) { if (got < 0 && errno == EINTR) continue; return 0; }
        have += got;
    }
    return 1;
}

static int send_frame(int fd, buffer *reply) {
    uint32_t length = (uint32_t)(reply->length - 4);
    memcpy(reply->data, &length, 4);
    for (size_t sent = 0; sent < reply->length;) {
        ssize_t n = send(fd, reply->data + sent, reply->length - sent, MSG_NOSIGNAL);
        if (n <= 0) { if (n < 0 && errno == EINTR) continue; return 0; }
        sent += n;
    }
    return 1;
}

static void *serve(void *argument) {
    int fd = (int)(intptr_t)argument;
    buffer frame = {0}, reply = {0};
    for (;;) {
        uint32_t length;
        if (!read_all(fd, &length, 4) || length == 0 || length > LARGEST_FRAME) break;
        frame.length = 0;
        reserve(&frame, length);
        if (!read_all(fd, frame.data, length)) break;
        uint8_t code = frame.data[0];
        reader r = {frame.data + 1, length - 1, 0, 0};
        failure f = {0};
        reply.length = 0;
        reserve(&reply, 5);
        reply.length = 5;  /* length prefix and status, filled in below */
        if (code == 0x01) {
            put_bytes(&reply, description, (uint32_t)strlen(description));
        } else if (code == 0x02) {
            pthread_mutex_lock(&lock);
            op_open(&r, &f);
            pthread_mutex_unlock(&lock);
        } else if (code == 0x03) {
            reply.data[4] = 0;
            send_frame(fd, &reply);
            pthread_mutex_lock(&lock);
            if (log_fd >= 0) fsync(log_fd);
            _exit(0);
        } else if (operations[code] && opened) {
            pthread_mutex_lock(&lock);
            operations[code](&r, &reply, &f);
            if (!f.kind && !r.bad && r.at != r.length) { f.kind = INVALID_ARGUMENT; snprintf(f.message, sizeof f.message, "trailing bytes"); }
            if (!f.kind && writes[code]) append_log(frame.data, length, &f);
            pthread_mutex_unlock(&lock);
        } else {
            f.kind = INVALID_ARGUMENT;
            snprintf(f.message, sizeof f.message, "operation 0x%02x is unknown, or came before OPEN", code);
        }
        if (f.kind) {
            reply.length = 5;
            put_u8(&reply, (uint8_t)f.kind);
            put_u8(&reply, (uint8_t)f.certainty);
            put_bytes(&reply, f.message, (uint32_t)strlen(f.message));
        }
        reply.data[4] = f.kind ? 1 : 0;
        if (!send_frame(fd, &reply)) break;
    }
    free(frame.data);
    free(reply.data);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    description = argc > 1 && strcmp(argv[1], "--null") == 0 ? null_description : full_description;
    operations[0x10] = op_register; operations[0x11] = op_import_contacts; operations[0x12] = op_direct_chat;
    operations[0x13] = op_create_group; operations[0x14] = op_send; operations[0x15] = op_history;
    operations[0x16] = op_mark_read; operations[0x17] = op_inbox; operations[0x18] = op_user_by_phone;
    operations[0x19] = op_summary;
    for (int code = 0x10; code <= 0x16; code++) writes[code] = 1;
    writes[0x15] = 0;
    const char *path = getenv("SURGEBENCH_DRIVER_SOCKET");
    if (!path || !*path) { fprintf(stderr, "SURGEBENCH_DRIVER_SOCKET is not set: SurgeBench starts this driver\n"); return 2; }
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) { fprintf(stderr, "socket path too long\n"); return 2; }
    strcpy(address.sun_path, path);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1024) != 0) {
        perror(path);
        return 2;
    }
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) { if (errno == EINTR) continue; perror("accept"); return 1; }
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, 256 << 10);
        if (pthread_create(&thread, &attributes, serve, (void *)(intptr_t)fd) != 0) close(fd);
        pthread_attr_destroy(&attributes);
    }
}
