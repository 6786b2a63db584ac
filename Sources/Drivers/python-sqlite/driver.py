#!/usr/bin/env python3
"""SurgeBench reference driver: a message store on SQLite (WAL), in Python's standard library only.

Speaks the driver protocol of docs/driver-protocol.md: listens on the Unix socket $SURGEBENCH_DRIVER_SOCKET, one thread
per connection, each request one frame and one reply frame.
"""
import json
import os
import socket
import sqlite3
import struct
import sys
import threading

PROTOCOL = 1
LARGEST_FRAME = 64 << 20

# Error kinds and certainty on the wire.
INVALID_ARGUMENT, UNKNOWN_USER, UNKNOWN_CHAT, NOT_A_MEMBER, INVALID_OPTION, CANNOT_OPEN, NOT_A_STORE = 1, 2, 3, 4, 5, 6, 7
STORE_FULL, BUSY, UNAVAILABLE, NOT_REPLICATED, ENGINE = 8, 9, 10, 11, 12
DEFINITE, INDEFINITE = 0, 1

MODES = [
    {"name": "off", "processKill": "keeps", "powerLoss": "nothing",
     "documentation": "PRAGMA synchronous=OFF in WAL: SQLite never syncs; the OS keeps what a killed process wrote; a power "
                      "loss may corrupt (sqlite.org/pragma.html#pragma_synchronous)"},
    {"name": "normal", "processKill": "keeps", "powerLoss": "may-lose-recent",
     "documentation": "PRAGMA synchronous=NORMAL in WAL: the WAL is synced at checkpoints only; a power loss may roll back "
                      "recent transactions but not corrupt (sqlite.org/wal.html)"},
    {"name": "full", "processKill": "keeps", "powerLoss": "keeps",
     "documentation": "PRAGMA synchronous=FULL in WAL: the WAL is synced at every commit (sqlite.org/pragma.html#pragma_synchronous)"},
]

DESCRIPTION = json.dumps({
    "protocol": PROTOCOL, "name": "python-sqlite", "version": "1.0",
    "summary": "SQLite in WAL mode from Python's sqlite3 module (a reference driver)",
    "options": [{"name": "busy-timeout-ms", "summary": "how long a writer waits for SQLite's lock (0...600000)", "default": "10000"}],
    "durability": {"option": "durability", "default": "full", "bulkLoad": "off", "modes": MODES},
    "groupCommit": False,
}, separators=(",", ":")).encode()

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (owner INTEGER NOT NULL, contact INTEGER NOT NULL, PRIMARY KEY (owner, contact)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chats (id INTEGER PRIMARY KEY, last_sequence INTEGER NOT NULL, activity INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS direct_chats (low INTEGER NOT NULL, high INTEGER NOT NULL, chat INTEGER NOT NULL,
    PRIMARY KEY (low, high)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members (chat INTEGER NOT NULL, user INTEGER NOT NULL, read_sequence INTEGER NOT NULL,
    unread INTEGER NOT NULL, PRIMARY KEY (chat, user)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_user ON members (user);
CREATE TABLE IF NOT EXISTS messages (chat INTEGER NOT NULL, sequence INTEGER NOT NULL, sender INTEGER NOT NULL,
    client_id INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (chat, sequence)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages (sender, client_id);
CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO clock VALUES (1, 0);
"""


class StoreError(Exception):
    def __init__(self, kind, message, certainty=DEFINITE):
        super().__init__(message)
        self.kind, self.message, self.certainty = kind, message, certainty


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values

    def u8(self): return self.take("<B")[0]
    def u32(self): return self.take("<I")[0]
    def u64(self): return self.take("<Q")[0]

    def bytes(self):
        n = self.u32()
        value = self.data[self.at:self.at + n]
        self.at += n
        return value

    def str(self): return self.bytes().decode()
    def opt_u64(self): return self.u64() if self.u8() else None


def text(value):
    raw = value.encode()
    return struct.pack("<I", len(raw)) + raw


def blob(value):
    return struct.pack("<I", len(value)) + value


class Store:
    def __init__(self, options, fresh):
        self.path = os.path.join(options["path"], "store.db")
        self.mode = options["durability"]
        self.busy = int(options["busy-timeout-ms"])
        if self.mode not in [m["name"] for m in MODES]:
            raise StoreError(INVALID_OPTION, f"durability '{self.mode}' is not one of off, normal, full")
        if not 0 <= self.busy <= 600000:
            raise StoreError(INVALID_OPTION, f"busy-timeout-ms '{self.busy}' must be from 0 to 600000")
        if not fresh and not os.path.exists(self.path):
            raise StoreError(NOT_A_STORE, f"{options['path']} holds no store.db of this driver")
        self.local = threading.local()
        self.connection().executescript(SCHEMA)

    def connection(self):
        db = getattr(self.local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self.busy / 1000)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={self.mode.upper()}")
            self.local.db = db
        return db

    def write(self, body):
        """Runs body(db) in one immediate transaction."""
        db = self.connection()
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(BUSY, f"SQLite is busy: {error}")
        try:
            result = body(db)
            db.execute("COMMIT")
            return result
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def tick(self, db):
        db.execute("UPDATE clock SET value = value + 1 WHERE id = 1")
        return db.execute("SELECT value FROM clock WHERE id = 1").fetchone()[0]

    @staticmethod
    def check_user(db, user):
        if db.execute("SELECT 1 FROM users WHERE id = ?", (user,)).fetchone() is None:
            raise StoreError(UNKNOWN_USER, f"user {user} is not registered")

    @staticmethod
    def check_chat(db, chat):
        if db.execute("SELECT 1 FROM chats WHERE id = ?", (chat,)).fetchone() is None:
            raise StoreError(UNKNOWN_CHAT, f"chat {chat} does not exist")

    @staticmethod
    def membership(db, chat, user):
        row = db.execute("SELECT read_sequence, unread FROM members WHERE chat = ? AND user = ?", (chat, user)).fetchone()
        if row is None:
            Store.check_chat(db, chat)
            raise StoreError(NOT_A_MEMBER, f"user {user} is not a member of chat {chat}")
        return row

    def register(self, r):
        phone, name = r.str(), r.str()

        def body(db):
            row = db.execute("SELECT id FROM users WHERE phone = ?", (phone,)).fetchone()
            if row:
                return struct.pack("<QB", row[0], 0)
            cursor = db.execute("INSERT INTO users (phone, name) VALUES (?, ?)", (phone, name))
            return struct.pack("<QB", cursor.lastrowid, 1)
        return self.write(body)

    def import_contacts(self, r):
        owner = r.u64()
        phones = [r.str() for _ in range(r.u32())]

        def body(db):
            self.check_user(db, owner)
            out = []
            for phone in phones:
                row = db.execute("SELECT id FROM users WHERE phone = ?", (phone,)).fetchone()
                if row and row[0] != owner:
                    db.execute("INSERT OR IGNORE INTO contacts VALUES (?, ?)", (owner, row[0]))
                    out.append(text(phone) + struct.pack("<Q", row[0]))
            return struct.pack("<I", len(out)) + b"".join(out)
        return self.write(body)

    def new_chat(self, db, members):
        for member in members:
            self.check_user(db, member)
        chat = db.execute("INSERT INTO chats (last_sequence, activity) VALUES (0, ?)", (self.tick(db),)).lastrowid
        db.executemany("INSERT INTO members VALUES (?, ?, 0, 0)", [(chat, m) for m in members])
        return chat

    def direct_chat(self, r):
        a, b = r.u64(), r.u64()
        low, high = min(a, b), max(a, b)

        def body(db):
            row = db.execute("SELECT chat FROM direct_chats WHERE low = ? AND high = ?", (low, high)).fetchone()
            if row:
                return struct.pack("<Q", row[0])
            chat = self.new_chat(db, [low, high])
            db.execute("INSERT INTO direct_chats VALUES (?, ?, ?)", (low, high, chat))
            return struct.pack("<Q", chat)
        return self.write(body)

    def create_group(self, r):
        creator = r.u64()
        members = [creator]
        for _ in range(r.u32()):
            member = r.u64()
            if member not in members:
                members.append(member)
        return self.write(lambda db: struct.pack("<Q", self.new_chat(db, members)))

    def send(self, r):
        chat, sender, client_id, payload = r.u64(), r.u64(), r.u64(), r.bytes()

        def body(db):
            row = db.execute("SELECT sequence FROM messages WHERE sender = ? AND client_id = ?", (sender, client_id)).fetchone()
            if row:
                return struct.pack("<QB", row[0], 1)
            self.membership(db, chat, sender)
            sequence = db.execute("SELECT last_sequence FROM chats WHERE id = ?", (chat,)).fetchone()[0] + 1
            db.execute("UPDATE chats SET last_sequence = ?, activity = ? WHERE id = ?", (sequence, self.tick(db), chat))
            db.execute("INSERT INTO messages VALUES (?, ?, ?, ?, ?)", (chat, sequence, sender, client_id, payload))
            db.execute("UPDATE members SET unread = unread + 1 WHERE chat = ? AND user != ?", (chat, sender))
            return struct.pack("<QB", sequence, 0)
        return self.write(body)

    def history(self, r):
        chat, before, limit = r.u64(), r.opt_u64(), r.u32()
        db = self.connection()
        self.check_chat(db, chat)
        rows = db.execute("SELECT sequence, sender, client_id, body FROM messages WHERE chat = ? AND sequence < ? "
                          "ORDER BY sequence DESC LIMIT ?", (chat, (1 << 63) - 1 if before is None else before, limit)).fetchall()
        return struct.pack("<I", len(rows)) + b"".join(struct.pack("<QQQ", s, u, c) + blob(b) for s, u, c, b in rows)

    def mark_read(self, r):
        chat, user, sequence = r.u64(), r.u64(), r.u64()

        def body(db):
            read, _ = self.membership(db, chat, user)
            last = db.execute("SELECT last_sequence FROM chats WHERE id = ?", (chat,)).fetchone()[0]
            target = min(sequence, last)
            if target <= read:
                return struct.pack("<Q", read)
            unread = db.execute("SELECT COUNT(*) FROM messages WHERE chat = ? AND sequence > ? AND sender != ?",
                                (chat, target, user)).fetchone()[0]
            db.execute("UPDATE members SET read_sequence = ?, unread = ? WHERE chat = ? AND user = ?", (target, unread, chat, user))
            return struct.pack("<Q", target)
        return self.write(body)

    def inbox(self, r):
        user, limit = r.u64(), r.u32()
        db = self.connection()
        self.check_user(db, user)
        rows = db.execute("SELECT c.id, c.last_sequence, m.read_sequence, m.unread FROM members m JOIN chats c ON c.id = m.chat "
                          "WHERE m.user = ? ORDER BY c.activity DESC LIMIT ?", (user, limit)).fetchall()
        return struct.pack("<I", len(rows)) + b"".join(struct.pack("<QQQQ", *row) for row in rows)

    def user_by_phone(self, r):
        row = self.connection().execute("SELECT id FROM users WHERE phone = ?", (r.str(),)).fetchone()
        return struct.pack("<BQ", 1, row[0]) if row else b"\x00"

    def summary(self, r):
        after, limit = r.u64(), r.u32()
        db = self.connection()
        db.execute("BEGIN")
        try:
            users = db.execute("SELECT COUNT(*) FROM users").fetchone()[0]
            rows = db.execute(
                "SELECT c.id, (SELECT COUNT(*) FROM members WHERE chat = c.id), (SELECT COUNT(*) FROM messages WHERE chat = c.id), "
                "c.last_sequence, (SELECT COALESCE(MAX(sequence), 0) FROM messages WHERE chat = c.id) "
                "FROM chats c WHERE c.id > ? ORDER BY c.id LIMIT ?", (after, limit)).fetchall()
        finally:
            db.execute("COMMIT")
        return struct.pack("<QI", users, len(rows)) + b"".join(struct.pack("<QIQQQ", *row) for row in rows)


OPERATIONS = {0x10: Store.register, 0x11: Store.import_contacts, 0x12: Store.direct_chat, 0x13: Store.create_group,
              0x14: Store.send, 0x15: Store.history, 0x16: Store.mark_read, 0x17: Store.inbox, 0x18: Store.user_by_phone,
              0x19: Store.summary}

state = {"store": None}
lock = threading.Lock()


def error_reply(kind, certainty, message):
    return b"\x01" + struct.pack("<BB", kind, certainty) + text(message[:2000])


def serve(connection):
    stream = connection.makefile("rb")
    try:
        while True:
            prefix = stream.read(4)
            if len(prefix) < 4:
                return
            (length,) = struct.unpack("<I", prefix)
            if not 0 < length <= LARGEST_FRAME:
                return
            frame = stream.read(length)
            if len(frame) < length:
                return
            op, reader = frame[0], Reader(frame[1:])
            try:
                if op == 0x01:
                    if reader.u32() != PROTOCOL:
                        reply = error_reply(INVALID_ARGUMENT, DEFINITE, f"this driver speaks protocol {PROTOCOL} only")
                    else:
                        reply = b"\x00" + blob(DESCRIPTION)
                elif op == 0x02:
                    fresh = reader.u8() == 1
                    options = {}
                    for _ in range(reader.u32()):
                        name = reader.str()
                        options[name] = reader.str()
                    with lock:
                        state["store"] = Store(options, fresh)
                    reply = b"\x00"
                elif op == 0x03:
                    connection.sendall(struct.pack("<I", 1) + b"\x00")
                    os._exit(0)
                elif op in OPERATIONS and state["store"] is not None:
                    reply = b"\x00" + OPERATIONS[op](state["store"], reader)
                else:
                    reply = error_reply(INVALID_ARGUMENT, DEFINITE, f"operation {op:#x} is unknown, or came before OPEN")
            except StoreError as error:
                reply = error_reply(error.kind, error.certainty, error.message)
            except sqlite3.IntegrityError as error:
                reply = error_reply(ENGINE, DEFINITE, f"SQLite refused the write: {error}")
            except sqlite3.OperationalError as error:
                kind = BUSY if "locked" in str(error) else STORE_FULL if "full" in str(error) else ENGINE
                reply = error_reply(kind, INDEFINITE if kind == ENGINE else DEFINITE, f"SQLite: {error}")
            except (struct.error, UnicodeDecodeError) as error:
                reply = error_reply(INVALID_ARGUMENT, DEFINITE, f"malformed request: {error}")
            connection.sendall(struct.pack("<I", len(reply)) + reply)
    finally:
        connection.close()


def main():
    path = os.environ["SURGEBENCH_DRIVER_SOCKET"]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1024)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
