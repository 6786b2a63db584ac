/// The store's tables and its server-side functions, in the `surgebench` schema. Every protocol operation is one call
/// of one function: one round trip, as a tuned application would make it.
package enum PostgresSchema {
    /// Marks a database as a SurgeBench store, and its layout version.
    static let formatVersion = "surgebench-postgres-1"

    /// SQLSTATEs the functions raise for request errors, mapped to ``StoreError`` kinds by the connection.
    static let unknownUserState = "SB001"
    static let unknownChatState = "SB002"
    static let notAMemberState = "SB003"

    static let create = """
        CREATE SCHEMA surgebench;
        SET search_path = surgebench;
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        INSERT INTO meta VALUES ('format', '\(formatVersion)');
        CREATE TABLE users (id bigserial PRIMARY KEY, phone text NOT NULL UNIQUE, display_name text NOT NULL);
        CREATE TABLE contacts (owner bigint NOT NULL, contact bigint NOT NULL, PRIMARY KEY (owner, contact));
        CREATE TABLE chats (id bigserial PRIMARY KEY, kind smallint NOT NULL, last_seq bigint NOT NULL DEFAULT 0,
                            last_activity bigint NOT NULL);
        CREATE TABLE direct_chats (low bigint NOT NULL, high bigint NOT NULL, chat bigint NOT NULL, PRIMARY KEY (low, high));
        CREATE TABLE members (chat bigint NOT NULL, user_id bigint NOT NULL, read_seq bigint NOT NULL DEFAULT 0,
                              unread bigint NOT NULL DEFAULT 0, PRIMARY KEY (chat, user_id));
        CREATE INDEX members_by_user ON members (user_id);
        CREATE TABLE messages (chat bigint NOT NULL, seq bigint NOT NULL, sender bigint NOT NULL, client_id bigint NOT NULL,
                               body bytea NOT NULL, PRIMARY KEY (chat, seq));
        CREATE UNIQUE INDEX messages_by_client ON messages (sender, client_id) INCLUDE (chat, seq);
        CREATE SEQUENCE activity_clock;

        CREATE FUNCTION check_user(p_user bigint) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM users WHERE id = p_user;
            IF NOT FOUND THEN RAISE EXCEPTION 'no user %', p_user USING ERRCODE = '\(unknownUserState)'; END IF;
        END $$;

        CREATE FUNCTION register(p_phone text, p_name text, OUT id bigint, OUT created boolean) LANGUAGE plpgsql AS $$
        BEGIN
            -- Look first: an insert that meets the unique phone would still use up an id.
            SELECT users.id INTO id FROM users WHERE phone = p_phone;
            IF FOUND THEN created := false; RETURN; END IF;
            INSERT INTO users (phone, display_name) VALUES (p_phone, p_name) ON CONFLICT (phone) DO NOTHING RETURNING users.id INTO id;
            created := id IS NOT NULL;
            IF NOT created THEN SELECT users.id INTO id FROM users WHERE phone = p_phone; END IF;
        END $$;

        CREATE FUNCTION import_contacts(p_owner bigint, p_phones text[]) RETURNS TABLE (phone text, id bigint)
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM check_user(p_owner);
            RETURN QUERY WITH found AS (
                SELECT p.phone, u.id, p.position FROM unnest(p_phones) WITH ORDINALITY AS p (phone, position)
                JOIN users u ON u.phone = p.phone WHERE u.id <> p_owner
            ), added AS (
                INSERT INTO contacts SELECT p_owner, found.id FROM found ON CONFLICT DO NOTHING
            ) SELECT found.phone, found.id FROM found ORDER BY found.position;
        END $$;

        CREATE FUNCTION new_chat(p_kind smallint, p_members bigint[]) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE v_chat bigint;
        BEGIN
            IF (SELECT count(*) FROM users WHERE id = ANY (p_members)) <> cardinality(p_members) THEN
                RAISE EXCEPTION 'no user among %', p_members USING ERRCODE = '\(unknownUserState)';
            END IF;
            INSERT INTO chats (kind, last_activity) VALUES (p_kind, nextval('activity_clock')) RETURNING chats.id INTO v_chat;
            INSERT INTO members (chat, user_id) SELECT v_chat, m FROM unnest(p_members) AS m;
            RETURN v_chat;
        END $$;

        CREATE FUNCTION direct_chat(p_low bigint, p_high bigint) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE v_chat bigint;
        BEGIN
            SELECT chat INTO v_chat FROM direct_chats WHERE low = p_low AND high = p_high;
            IF FOUND THEN RETURN v_chat; END IF;
            -- Two users' first chat: lock both, in id order, so that concurrent first calls make one chat.
            PERFORM 1 FROM users WHERE id IN (p_low, p_high) ORDER BY id FOR UPDATE;
            SELECT chat INTO v_chat FROM direct_chats WHERE low = p_low AND high = p_high;
            IF FOUND THEN RETURN v_chat; END IF;
            v_chat := new_chat(1::smallint, ARRAY[p_low, p_high]);
            INSERT INTO direct_chats VALUES (p_low, p_high, v_chat);
            RETURN v_chat;
        END $$;

        CREATE FUNCTION send(p_chat bigint, p_sender bigint, p_client bigint, p_body bytea,
                             OUT chat bigint, OUT seq bigint, OUT duplicate boolean) LANGUAGE plpgsql AS $$
        BEGIN
            SELECT m.chat, m.seq INTO chat, seq FROM messages m WHERE m.sender = p_sender AND m.client_id = p_client;
            IF FOUND THEN duplicate := true; RETURN; END IF;
            BEGIN
                -- The row lock on the chat orders concurrent senders: the sequence stays gapless.
                UPDATE chats SET last_seq = last_seq + 1, last_activity = nextval('activity_clock') WHERE id = p_chat
                    RETURNING last_seq INTO seq;
                IF NOT FOUND THEN RAISE EXCEPTION 'no chat %', p_chat USING ERRCODE = '\(unknownChatState)'; END IF;
                PERFORM 1 FROM members WHERE members.chat = p_chat AND user_id = p_sender;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'user % is not a member of chat %', p_sender, p_chat USING ERRCODE = '\(notAMemberState)';
                END IF;
                INSERT INTO messages VALUES (p_chat, seq, p_sender, p_client, p_body);
                UPDATE members SET unread = unread + 1 WHERE members.chat = p_chat AND user_id <> p_sender;
                chat := p_chat;
                duplicate := false;
            EXCEPTION WHEN unique_violation THEN
                -- A concurrent resend committed first: its sequence increment is undone with this block.
                SELECT m.chat, m.seq INTO chat, seq FROM messages m WHERE m.sender = p_sender AND m.client_id = p_client;
                duplicate := true;
            END;
        END $$;

        CREATE FUNCTION history(p_chat bigint, p_before bigint, p_limit integer)
        RETURNS TABLE (seq bigint, sender bigint, client_id bigint, body bytea) LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM chats WHERE id = p_chat;
            IF NOT FOUND THEN RAISE EXCEPTION 'no chat %', p_chat USING ERRCODE = '\(unknownChatState)'; END IF;
            RETURN QUERY SELECT m.seq, m.sender, m.client_id, m.body FROM messages m
                WHERE m.chat = p_chat AND m.seq < p_before ORDER BY m.seq DESC LIMIT p_limit;
        END $$;

        CREATE FUNCTION mark_read(p_chat bigint, p_user bigint, p_up_to bigint) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE v_last bigint; v_read bigint; v_target bigint; v_unread bigint;
        BEGIN
            SELECT last_seq INTO v_last FROM chats WHERE id = p_chat;
            IF NOT FOUND THEN RAISE EXCEPTION 'no chat %', p_chat USING ERRCODE = '\(unknownChatState)'; END IF;
            SELECT read_seq INTO v_read FROM members WHERE chat = p_chat AND user_id = p_user FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'user % is not a member of chat %', p_user, p_chat USING ERRCODE = '\(notAMemberState)';
            END IF;
            v_target := least(p_up_to, v_last);
            IF v_target <= v_read THEN RETURN v_read; END IF;
            -- Only the unread range after the new watermark is counted, never the whole chat.
            SELECT count(*) INTO v_unread FROM messages WHERE chat = p_chat AND seq > v_target AND sender <> p_user;
            UPDATE members SET read_seq = v_target, unread = v_unread WHERE chat = p_chat AND user_id = p_user;
            RETURN v_target;
        END $$;

        CREATE FUNCTION inbox(p_user bigint, p_limit integer)
        RETURNS TABLE (chat bigint, last_seq bigint, read_seq bigint, unread bigint) LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM check_user(p_user);
            RETURN QUERY SELECT m.chat, c.last_seq, m.read_seq, m.unread FROM members m JOIN chats c ON c.id = m.chat
                WHERE m.user_id = p_user ORDER BY c.last_activity DESC LIMIT p_limit;
        END $$;
        """

    /// The statements each connection prepares, by name: (name, SQL).
    package static let statements: [(name: String, sql: String)] = [
        ("register", "SELECT id, created FROM surgebench.register($1::text, $2::text)"),
        ("import", "SELECT phone, id FROM surgebench.import_contacts($1::bigint, $2::text[])"),
        ("direct", "SELECT surgebench.direct_chat($1::bigint, $2::bigint)"),
        ("group", "SELECT surgebench.new_chat(2::smallint, $1::bigint[])"),
        ("send", "SELECT chat, seq, duplicate FROM surgebench.send($1::bigint, $2::bigint, $3::bigint, $4::bytea)"),
        ("history", "SELECT seq, sender, client_id, body FROM surgebench.history($1::bigint, $2::bigint, $3::integer)"),
        ("mark", "SELECT surgebench.mark_read($1::bigint, $2::bigint, $3::bigint)"),
        ("inbox", "SELECT chat, last_seq, read_seq, unread FROM surgebench.inbox($1::bigint, $2::integer)"),
        ("phone", "SELECT id FROM surgebench.users WHERE phone = $1::text"),
        ("users", "SELECT count(*) FROM surgebench.users"),
        ("chats", """
            SELECT c.id, c.last_seq, (SELECT count(*) FROM surgebench.members WHERE chat = c.id), count(m.seq),
                   coalesce(max(m.seq), 0) FROM surgebench.chats c LEFT JOIN surgebench.messages m ON m.chat = c.id
            GROUP BY c.id ORDER BY c.id
            """),
    ]
}
