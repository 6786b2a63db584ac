import SurgeCore

/// The tables and exactly the indexes the operations need.
///
/// Messages are clustered by (chat, seq) in a WITHOUT ROWID table, so a history page is one descending range scan
/// and a send appends at the end of its chat's range; a unique index on (sender, client id) makes resends
/// idempotent. Read state is one row per member with a watermark and an unread counter raised on each send
/// (fan-out on write, as Matrix and Telegram keep theirs), so an inbox never counts messages.
enum SQLiteSchema {
    /// Marks a database file as a SurgeBench store ("SrgB").
    static let applicationID: UInt64 = 0x5372_6742
    static let version: UInt64 = 1

    static let create = """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            phone TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL);
        CREATE TABLE contacts (
            owner_id INTEGER NOT NULL,
            contact_id INTEGER NOT NULL,
            PRIMARY KEY (owner_id, contact_id)) WITHOUT ROWID;
        CREATE TABLE chats (
            id INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,          -- 1 direct, 2 group
            last_seq INTEGER NOT NULL,
            last_activity INTEGER NOT NULL);
        CREATE TABLE direct_chats (
            low_user_id INTEGER NOT NULL,
            high_user_id INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            PRIMARY KEY (low_user_id, high_user_id)) WITHOUT ROWID;
        CREATE TABLE members (
            chat_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            read_seq INTEGER NOT NULL,
            unread INTEGER NOT NULL,
            PRIMARY KEY (chat_id, user_id)) WITHOUT ROWID;
        CREATE INDEX members_by_user ON members (user_id);
        CREATE TABLE messages (
            chat_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            sender_id INTEGER NOT NULL,
            client_id INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (chat_id, seq)) WITHOUT ROWID;
        CREATE UNIQUE INDEX messages_by_client ON messages (sender_id, client_id);
        PRAGMA application_id = \(applicationID);
        PRAGMA user_version = \(version);
        """
}
