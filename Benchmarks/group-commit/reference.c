/*
 * The group-commit reference: the sends SurgeBench's sqlite and lmdb backends make, written directly against the C
 * library with the backend's own statements (sqlite) and keys (lmdb), committed GROUP sends per transaction and sync
 * by one thread, with nothing between them. Group commit through SurgeBench can at best reach this rate; ratio.sh
 * divides SurgeBench's closed-loop send rate by it.
 *
 *   reference sqlite|lmdb STORE_DIRECTORY SENDS GROUP
 *
 * STORE_DIRECTORY is a store SurgeBench left behind (`--option path=...`): its users, chats and members are the
 * senders and chats the loop sends to, one member at a time in turn. Durability is the class power mode of each
 * backend: sqlite WAL with synchronous=FULL, lmdb with a sync at every commit. Prints "sends/s N".
 */
#include <lmdb.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { uint64_t chat, user; } Member;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "reference: %s: %s\n", what, detail);
    exit(1);
}

static const unsigned char body[64] = "sixty-four bytes of message body for the group commit reference";

/* --- sqlite: SQLiteConnection's send, statement for statement --- */

static void sqlite_check(sqlite3 *db, int code, const char *what) {
    if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) fail(what, sqlite3_errmsg(db));
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *statement;
    sqlite_check(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, NULL), sql);
    return statement;
}

static void run(sqlite3 *db, sqlite3_stmt *statement, const char *what) {
    sqlite_check(db, sqlite3_step(statement), what);
    sqlite3_reset(statement);
}

static double sqlite_sends(const char *directory, long sends, long group) {
    char path[4096];
    snprintf(path, sizeof path, "%s/store.sqlite", directory);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) fail(path, "cannot open");
    sqlite_check(db, sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000;",
                                  NULL, NULL, NULL), "pragmas");
    Member *members = NULL;
    long count = 0, capacity = 0;
    sqlite3_stmt *list = prepare(db, "SELECT chat_id, user_id FROM members");
    while (sqlite3_step(list) == SQLITE_ROW) {
        if (count == capacity) members = realloc(members, sizeof(Member) * (size_t)(capacity = capacity ? capacity * 2 : 1024));
        members[count++] = (Member){(uint64_t)sqlite3_column_int64(list, 0), (uint64_t)sqlite3_column_int64(list, 1)};
    }
    sqlite3_finalize(list);
    if (count == 0) fail(path, "no members to send as");
    sqlite3_stmt *begin = prepare(db, "BEGIN IMMEDIATE"), *commit = prepare(db, "COMMIT");
    sqlite3_stmt *byClient = prepare(db, "SELECT chat_id, seq FROM messages WHERE sender_id = ?1 AND client_id = ?2");
    sqlite3_stmt *lastSeq = prepare(db, "SELECT last_seq FROM chats WHERE id = ?1");
    sqlite3_stmt *membership = prepare(db, "SELECT read_seq FROM members WHERE chat_id = ?1 AND user_id = ?2");
    sqlite3_stmt *advance = prepare(db, "UPDATE chats SET last_seq = ?2, last_activity = ?3 WHERE id = ?1");
    sqlite3_stmt *insert = prepare(db, "INSERT INTO messages (chat_id, seq, sender_id, client_id, body) VALUES (?1, ?2, ?3, ?4, ?5)");
    sqlite3_stmt *unread = prepare(db, "UPDATE members SET unread = unread + 1 WHERE chat_id = ?1 AND user_id <> ?2");
    double start = now();
    for (long i = 0; i < sends; i++) {
        Member m = members[i % count];
        uint64_t client = (1ull << 40) + (uint64_t)i;
        if (i % group == 0) run(db, begin, "begin");
        sqlite3_bind_int64(byClient, 1, (sqlite3_int64)m.user);
        sqlite3_bind_int64(byClient, 2, (sqlite3_int64)client);
        if (sqlite3_step(byClient) == SQLITE_ROW) fail("send", "client id already used: send to a fresh store");
        sqlite3_reset(byClient);
        sqlite3_bind_int64(lastSeq, 1, (sqlite3_int64)m.chat);
        if (sqlite3_step(lastSeq) != SQLITE_ROW) fail("send", "unknown chat");
        uint64_t seq = (uint64_t)sqlite3_column_int64(lastSeq, 0) + 1;
        sqlite3_reset(lastSeq);
        sqlite3_bind_int64(membership, 1, (sqlite3_int64)m.chat);
        sqlite3_bind_int64(membership, 2, (sqlite3_int64)m.user);
        if (sqlite3_step(membership) != SQLITE_ROW) fail("send", "not a member");
        sqlite3_reset(membership);
        sqlite3_bind_int64(advance, 1, (sqlite3_int64)m.chat);
        sqlite3_bind_int64(advance, 2, (sqlite3_int64)seq);
        sqlite3_bind_int64(advance, 3, (sqlite3_int64)(i + 1));
        run(db, advance, "advance");
        sqlite3_bind_int64(insert, 1, (sqlite3_int64)m.chat);
        sqlite3_bind_int64(insert, 2, (sqlite3_int64)seq);
        sqlite3_bind_int64(insert, 3, (sqlite3_int64)m.user);
        sqlite3_bind_int64(insert, 4, (sqlite3_int64)client);
        sqlite3_bind_blob(insert, 5, body, sizeof body, SQLITE_STATIC);
        run(db, insert, "insert");
        sqlite3_bind_int64(unread, 1, (sqlite3_int64)m.chat);
        sqlite3_bind_int64(unread, 2, (sqlite3_int64)m.user);
        run(db, unread, "unread");
        if ((i + 1) % group == 0 || i + 1 == sends) run(db, commit, "commit");
    }
    double elapsed = now() - start;
    sqlite3_close_v2(db);
    free(members);
    return (double)sends / elapsed;
}

/* --- lmdb: LMDBTransaction's send, key for key (big-endian words) --- */

static void put_word(unsigned char *to, uint64_t value) {
    for (int i = 7; i >= 0; i--) { to[i] = (unsigned char)value; value >>= 8; }
}

static uint64_t word(const void *from, int index) {
    const unsigned char *bytes = (const unsigned char *)from + index * 8;
    uint64_t value = 0;
    for (int i = 0; i < 8; i++) value = value << 8 | bytes[i];
    return value;
}

static void lmdb_check(int code, const char *what) {
    if (code != MDB_SUCCESS) fail(what, mdb_strerror(code));
}

static double lmdb_sends(const char *directory, long sends, long group) {
    MDB_env *env;
    lmdb_check(mdb_env_create(&env), "mdb_env_create");
    lmdb_check(mdb_env_set_mapsize(env, 4ull << 30), "map size");
    lmdb_check(mdb_env_set_maxdbs(env, 16), "max dbs");
    lmdb_check(mdb_env_open(env, directory, MDB_NOTLS, 0644), directory);
    MDB_txn *txn;
    MDB_dbi chats, members, messages, sendsDb;
    lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
    lmdb_check(mdb_dbi_open(txn, "chats", 0, &chats), "chats");
    lmdb_check(mdb_dbi_open(txn, "members", 0, &members), "members");
    lmdb_check(mdb_dbi_open(txn, "messages", 0, &messages), "messages");
    lmdb_check(mdb_dbi_open(txn, "sends", 0, &sendsDb), "sends");
    Member *list = NULL;
    long count = 0, capacity = 0;
    MDB_cursor *cursor;
    MDB_val key, value;
    lmdb_check(mdb_cursor_open(txn, members, &cursor), "cursor");
    for (int code = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); code == MDB_SUCCESS;
         code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
        if (count == capacity) list = realloc(list, sizeof(Member) * (size_t)(capacity = capacity ? capacity * 2 : 1024));
        list[count++] = (Member){word(key.mv_data, 0), word(key.mv_data, 1)};
    }
    mdb_cursor_close(cursor);
    lmdb_check(mdb_txn_commit(txn), "commit");
    if (count == 0) fail(directory, "no members to send as");
    double start = now();
    for (long i = 0; i < sends; i++) {
        Member m = list[i % count];
        uint64_t client = (1ull << 40) + (uint64_t)i;
        if (i % group == 0) lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
        unsigned char k[24], v[24];
        put_word(k, m.user); put_word(k + 8, client);
        key = (MDB_val){16, k};
        if (mdb_get(txn, sendsDb, &key, &value) == MDB_SUCCESS) fail("send", "client id already used: send to a fresh store");
        put_word(k, m.chat);
        key = (MDB_val){8, k};
        lmdb_check(mdb_get(txn, chats, &key, &value), "chat header");
        uint64_t kind = word(value.mv_data, 0), seq = word(value.mv_data, 1) + 1;
        put_word(k + 8, m.user);
        key = (MDB_val){16, k};
        lmdb_check(mdb_get(txn, members, &key, &value), "membership");
        put_word(v, kind); put_word(v + 8, seq); put_word(v + 16, (uint64_t)i + 1);
        key = (MDB_val){8, k};
        value = (MDB_val){24, v};
        lmdb_check(mdb_put(txn, chats, &key, &value, 0), "chat header put");
        put_word(k + 8, seq);
        key = (MDB_val){16, k};
        value = (MDB_val){16 + sizeof body, NULL};
        lmdb_check(mdb_put(txn, messages, &key, &value, MDB_RESERVE), "message put");
        put_word(value.mv_data, m.user); put_word((unsigned char *)value.mv_data + 8, client);
        memcpy((unsigned char *)value.mv_data + 16, body, sizeof body);
        unsigned char sk[16];
        put_word(sk, m.user); put_word(sk + 8, client);
        put_word(v, m.chat); put_word(v + 8, seq);
        key = (MDB_val){16, sk};
        value = (MDB_val){16, v};
        lmdb_check(mdb_put(txn, sendsDb, &key, &value, 0), "sends put");
        lmdb_check(mdb_cursor_open(txn, members, &cursor), "cursor");
        put_word(k + 8, 0);
        key = (MDB_val){16, k};
        for (int code = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE); code == MDB_SUCCESS && word(key.mv_data, 0) == m.chat;
             code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
            if (word(key.mv_data, 1) == m.user) continue;
            unsigned char raised[16];
            put_word(raised, word(value.mv_data, 0)); put_word(raised + 8, word(value.mv_data, 1) + 1);
            MDB_val replaced = {16, raised};
            lmdb_check(mdb_cursor_put(cursor, &key, &replaced, MDB_CURRENT), "unread");
        }
        mdb_cursor_close(cursor);
        if ((i + 1) % group == 0 || i + 1 == sends) lmdb_check(mdb_txn_commit(txn), "commit");
    }
    double elapsed = now() - start;
    mdb_env_close(env);
    free(list);
    return (double)sends / elapsed;
}

int main(int argc, char **argv) {
    if (argc != 5) fail("usage", "reference sqlite|lmdb STORE_DIRECTORY SENDS GROUP");
    long sends = atol(argv[3]), group = atol(argv[4]);
    if (sends < 1 || group < 1) fail("usage", "SENDS and GROUP must be positive");
    double rate = strcmp(argv[1], "sqlite") == 0 ? sqlite_sends(argv[2], sends, group)
                : strcmp(argv[1], "lmdb") == 0 ? lmdb_sends(argv[2], sends, group)
                : (fail("usage", "the backend is sqlite or lmdb"), 0);
    printf("sends/s %.1f\n", rate);
    return 0;
}
