/// The Redis Functions library SurgeBench loads on every master at start-up: each operation's work on one slot, done
/// atomically by the node that owns it. Every function declares every key it touches (ids are allocated by the
/// client first, with INCR), so that Redis routes it correctly while its slot migrates: keys that have moved get ASK,
/// keys split between the two nodes TRYAGAIN, and no function ever creates a key the migration would leave behind.
///
/// Keys of a slot with tag T: `{T}:users` (user id -> display name), `{T}:k:<user>` (contacts), `{T}:uc:<user>`
/// (the user's chats), `{T}:seq:u` / `{T}:seq:c` (id counters), `{T}:chats` (the slot's chat ids), and per chat
/// `{T}:c:<chat>` (kind, seq: the last sequence, act: last activity in µs), `{T}:m:<chat>` (member -> read
/// watermark), `{T}:n:<chat>` (member -> unread count), `{T}:msg:<chat>` (sequence -> "sender:client:body") and
/// `{T}:i:<chat>` ("sender:client" -> sequence, for idempotent resends). A phone's key `{p:<phone>}` holds its user id,
/// and a direct pair's `{d:<low>:<high>}` its chat id; ids are `counter * 16384 + slot`, so an id names its slot.
enum RedisFunctions {
    static let library = "surgebench"
    /// Raised by the functions for request errors, mapped to ``StoreError`` kinds by the connection.
    static let unknownUser = "SB001"
    static let unknownChat = "SB002"
    static let notAMember = "SB003"

    static let source = #"""
        #!lua name=surgebench
        local function now()
            local t = redis.call('TIME')
            return string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
        end

        -- KEYS {p:phone}, {T}:users; ARGV new id, name -> {id, created}
        redis.register_function('sb_register', function(keys, args)
            local existing = redis.call('GET', keys[1])
            if existing then return {existing, 0} end
            redis.call('SET', keys[1], args[1])
            redis.call('HSET', keys[2], args[1], args[2])
            return {args[1], 1}
        end)

        -- KEYS {T}:users; ARGV user -> 1 if the user exists
        redis.register_function{function_name='sb_user_exists', flags={'no-writes'}, callback=function(keys, args)
            return redis.call('HEXISTS', keys[1], args[1])
        end}

        -- KEYS {T}:users, {T}:k:<owner>; ARGV owner, contact ids... -> 1
        redis.register_function('sb_add_contacts', function(keys, args)
            if redis.call('HEXISTS', keys[1], args[1]) == 0 then return redis.error_reply('SB001 no user ' .. args[1]) end
            for i = 2, #args do redis.call('SADD', keys[2], args[i]) end
            return 1
        end)

        -- KEYS c, m, n, chats of the new chat; ARGV id, kind, members...
        local function new_chat(keys, args)
            redis.call('HSET', keys[1], 'kind', args[2], 'seq', 0, 'act', now())
            for i = 3, #args do
                redis.call('HSET', keys[2], args[i], 0)
                redis.call('HSET', keys[3], args[i], 0)
            end
            redis.call('SADD', keys[4], args[1])
            return args[1]
        end

        -- KEYS {d:low:high}, c, m, n, chats of a new chat; ARGV new id, 1, low, high -> the pair's chat (existing or new)
        redis.register_function('sb_direct', function(keys, args)
            local existing = redis.call('GET', keys[1])
            if existing then return existing end
            redis.call('SET', keys[1], args[1])
            return new_chat({keys[2], keys[3], keys[4], keys[5]}, args)
        end)

        -- KEYS c, m, n, chats of the new chat; ARGV new id, 2, members... -> the chat
        redis.register_function('sb_group', function(keys, args) return new_chat(keys, args) end)

        -- KEYS c, m, n, msg, i of the chat; ARGV chat, sender, client, body -> {seq, duplicate}
        redis.register_function('sb_send', function(keys, args)
            local chat, sender = args[1], args[2]
            local key = sender .. ':' .. args[3]
            local original = redis.call('HGET', keys[5], key)
            if original then return {tonumber(original), 1} end
            if redis.call('EXISTS', keys[1]) == 0 then return redis.error_reply('SB002 no chat ' .. chat) end
            if redis.call('HEXISTS', keys[2], sender) == 0 then
                return redis.error_reply('SB003 user ' .. sender .. ' is not a member of chat ' .. chat)
            end
            local seq = redis.call('HINCRBY', keys[1], 'seq', 1)
            redis.call('HSET', keys[1], 'act', now())
            redis.call('HSET', keys[4], seq, key .. ':' .. args[4])
            redis.call('HSET', keys[5], key, seq)
            for _, member in ipairs(redis.call('HKEYS', keys[2])) do
                if member ~= sender then redis.call('HINCRBY', keys[3], member, 1) end
            end
            return {seq, 0}
        end)

        -- KEYS c, msg of the chat; ARGV chat, top (the highest sequence wanted), limit -> {seq, packed, ...} newest first
        redis.register_function{function_name='sb_history', flags={'no-writes'}, callback=function(keys, args)
            local last = redis.call('HGET', keys[1], 'seq')
            if not last then return redis.error_reply('SB002 no chat ' .. args[1]) end
            local out = {}
            local seq = math.min(tonumber(last), tonumber(args[2]))
            while seq >= 1 and #out < 2 * tonumber(args[3]) do
                local message = redis.call('HGET', keys[2], seq)
                if message then
                    out[#out + 1] = seq
                    out[#out + 1] = message
                end
                seq = seq - 1
            end
            return out
        end}

        -- KEYS c, m, n, msg of the chat; ARGV chat, user, up to -> the watermark
        redis.register_function('sb_mark', function(keys, args)
            local chat, user = args[1], args[2]
            local last = redis.call('HGET', keys[1], 'seq')
            if not last then return redis.error_reply('SB002 no chat ' .. chat) end
            local read = redis.call('HGET', keys[2], user)
            if not read then return redis.error_reply('SB003 user ' .. user .. ' is not a member of chat ' .. chat) end
            read = tonumber(read)
            local target = math.min(tonumber(args[3]), tonumber(last))
            if target <= read then return read end
            -- Only the unread range after the new watermark is counted, never the whole chat.
            local unread = 0
            local prefix = user .. ':'
            for seq = target + 1, tonumber(last) do
                local message = redis.call('HGET', keys[4], seq)
                if message and string.sub(message, 1, #prefix) ~= prefix then unread = unread + 1 end
            end
            redis.call('HSET', keys[2], user, target)
            redis.call('HSET', keys[3], user, unread)
            return target
        end)

        -- KEYS {T}:users, {T}:uc:<user>; ARGV user -> the user's chat ids
        redis.register_function{function_name='sb_chats', flags={'no-writes'}, callback=function(keys, args)
            if redis.call('HEXISTS', keys[1], args[1]) == 0 then return redis.error_reply('SB001 no user ' .. args[1]) end
            return redis.call('SMEMBERS', keys[2])
        end}

        -- KEYS c, m, n of the chat; ARGV user -> {last seq, activity, read, unread}
        redis.register_function{function_name='sb_entry', flags={'no-writes'}, callback=function(keys, args)
            local header = redis.call('HMGET', keys[1], 'seq', 'act')
            return {header[1] or '0', header[2] or '0', redis.call('HGET', keys[2], args[1]) or '0', redis.call('HGET', keys[3], args[1]) or '0'}
        end}

        -- KEYS {T}:chats; ARGV T -> {chat, last seq, members, messages, highest stored, ...} for the slot's chats. For the
        -- summary after a run only: it reads the chats' keys without declaring them.
        redis.register_function{function_name='sb_slot_summary', flags={'no-writes'}, callback=function(keys, args)
            local function k(name) return '{' .. args[1] .. '}:' .. name end
            local out = {}
            for _, chat in ipairs(redis.call('SMEMBERS', keys[1])) do
                local highest = 0
                for _, seq in ipairs(redis.call('HKEYS', k('msg:' .. chat))) do highest = math.max(highest, tonumber(seq)) end
                out[#out + 1] = {chat, redis.call('HGET', k('c:' .. chat), 'seq') or '0', redis.call('HLEN', k('m:' .. chat)),
                                 redis.call('HLEN', k('msg:' .. chat)), highest}
            end
            return out
        end}
        """#
}
