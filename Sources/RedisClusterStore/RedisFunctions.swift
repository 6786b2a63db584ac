/// The Redis Functions library SurgeBench loads on every master at start-up: each operation's work on one slot, done
/// atomically by the node that owns it. Every function's first key is in the slot it works on; ARGV[1] is that slot's
/// tag (see ``ClusterSlot/tags``), from which it names the other keys of the slot.
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
        local function k(tag, name) return '{' .. tag .. '}:' .. name end
        local function id(counter, slot) return string.format('%.0f', counter * 16384 + slot) end
        local function now()
            local t = redis.call('TIME')
            return string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
        end

        -- KEYS[1] {p:phone}; ARGV tag, slot, name -> {id, created}
        redis.register_function('sb_register', function(keys, args)
            local existing = redis.call('GET', keys[1])
            if existing then return {existing, 0} end
            local user = id(redis.call('INCR', k(args[1], 'seq:u')), tonumber(args[2]))
            redis.call('SET', keys[1], user)
            redis.call('HSET', k(args[1], 'users'), user, args[3])
            return {user, 1}
        end)

        -- KEYS[1] {T}:users; ARGV tag, user -> 1 if the user exists
        redis.register_function{function_name='sb_user_exists', flags={'no-writes'}, callback=function(keys, args)
            return redis.call('HEXISTS', keys[1], args[2])
        end}

        -- KEYS[1] {T}:users; ARGV tag, owner, contact ids... -> 1
        redis.register_function('sb_add_contacts', function(keys, args)
            if redis.call('HEXISTS', keys[1], args[2]) == 0 then return redis.error_reply('SB001 no user ' .. args[2]) end
            for i = 3, #args do redis.call('SADD', k(args[1], 'k:' .. args[2]), args[i]) end
            return 1
        end)

        local function new_chat(tag, slot, kind, members)
            local chat = id(redis.call('INCR', k(tag, 'seq:c')), slot)
            redis.call('HSET', k(tag, 'c:' .. chat), 'kind', kind, 'seq', 0, 'act', now())
            for _, member in ipairs(members) do
                redis.call('HSET', k(tag, 'm:' .. chat), member, 0)
                redis.call('HSET', k(tag, 'n:' .. chat), member, 0)
            end
            redis.call('SADD', k(tag, 'chats'), chat)
            return chat
        end

        -- KEYS[1] {d:low:high}; ARGV tag, slot, low, high -> chat (the existing one, or a new one)
        redis.register_function('sb_direct', function(keys, args)
            local existing = redis.call('GET', keys[1])
            if existing then return existing end
            local chat = new_chat(args[1], tonumber(args[2]), 1, {args[3], args[4]})
            redis.call('SET', keys[1], chat)
            return chat
        end)

        -- KEYS[1] {T}:seq:c; ARGV tag, slot, members... -> chat
        redis.register_function('sb_group', function(keys, args)
            local members = {}
            for i = 3, #args do members[#members + 1] = args[i] end
            return new_chat(args[1], tonumber(args[2]), 2, members)
        end)

        -- KEYS[1] {T}:c:<chat>; ARGV tag, chat, sender, client, body -> {seq, duplicate}
        redis.register_function('sb_send', function(keys, args)
            local tag, chat, sender = args[1], args[2], args[3]
            local key = sender .. ':' .. args[4]
            local original = redis.call('HGET', k(tag, 'i:' .. chat), key)
            if original then return {tonumber(original), 1} end
            if redis.call('EXISTS', keys[1]) == 0 then return redis.error_reply('SB002 no chat ' .. chat) end
            if redis.call('HEXISTS', k(tag, 'm:' .. chat), sender) == 0 then
                return redis.error_reply('SB003 user ' .. sender .. ' is not a member of chat ' .. chat)
            end
            local seq = redis.call('HINCRBY', keys[1], 'seq', 1)
            redis.call('HSET', keys[1], 'act', now())
            redis.call('HSET', k(tag, 'msg:' .. chat), seq, key .. ':' .. args[5])
            redis.call('HSET', k(tag, 'i:' .. chat), key, seq)
            for _, member in ipairs(redis.call('HKEYS', k(tag, 'm:' .. chat))) do
                if member ~= sender then redis.call('HINCRBY', k(tag, 'n:' .. chat), member, 1) end
            end
            return {seq, 0}
        end)

        -- KEYS[1] {T}:c:<chat>; ARGV tag, chat, top (the highest sequence wanted), limit -> {seq, packed, ...} newest first
        redis.register_function{function_name='sb_history', flags={'no-writes'}, callback=function(keys, args)
            local last = redis.call('HGET', keys[1], 'seq')
            if not last then return redis.error_reply('SB002 no chat ' .. args[2]) end
            local top = math.min(tonumber(last), tonumber(args[3]))
            local out = {}
            local seq = top
            while seq >= 1 and #out < 2 * tonumber(args[4]) do
                local message = redis.call('HGET', k(args[1], 'msg:' .. args[2]), seq)
                if message then
                    out[#out + 1] = seq
                    out[#out + 1] = message
                end
                seq = seq - 1
            end
            return out
        end}

        -- KEYS[1] {T}:c:<chat>; ARGV tag, chat, user, up to -> the watermark
        redis.register_function('sb_mark', function(keys, args)
            local tag, chat, user = args[1], args[2], args[3]
            local last = redis.call('HGET', keys[1], 'seq')
            if not last then return redis.error_reply('SB002 no chat ' .. chat) end
            local read = redis.call('HGET', k(tag, 'm:' .. chat), user)
            if not read then return redis.error_reply('SB003 user ' .. user .. ' is not a member of chat ' .. chat) end
            read = tonumber(read)
            local target = math.min(tonumber(args[4]), tonumber(last))
            if target <= read then return read end
            -- Only the unread range after the new watermark is counted, never the whole chat.
            local unread = 0
            local prefix = user .. ':'
            for seq = target + 1, tonumber(last) do
                local message = redis.call('HGET', k(tag, 'msg:' .. chat), seq)
                if message and string.sub(message, 1, #prefix) ~= prefix then unread = unread + 1 end
            end
            redis.call('HSET', k(tag, 'm:' .. chat), user, target)
            redis.call('HSET', k(tag, 'n:' .. chat), user, unread)
            return target
        end)

        -- KEYS[1] {T}:users; ARGV tag, user -> the user's chat ids
        redis.register_function{function_name='sb_chats', flags={'no-writes'}, callback=function(keys, args)
            if redis.call('HEXISTS', keys[1], args[2]) == 0 then return redis.error_reply('SB001 no user ' .. args[2]) end
            return redis.call('SMEMBERS', k(args[1], 'uc:' .. args[2]))
        end}

        -- KEYS[1] {T}:c:<chat>; ARGV tag, chat, user -> {last seq, activity, read, unread}
        redis.register_function{function_name='sb_entry', flags={'no-writes'}, callback=function(keys, args)
            local header = redis.call('HMGET', keys[1], 'seq', 'act')
            return {header[1] or '0', header[2] or '0', redis.call('HGET', k(args[1], 'm:' .. args[2]), args[3]) or '0',
                    redis.call('HGET', k(args[1], 'n:' .. args[2]), args[3]) or '0'}
        end}

        -- KEYS[1] {T}:chats; ARGV tag -> {chat, last seq, members, messages, highest stored, ...} for the slot's chats
        redis.register_function{function_name='sb_slot_summary', flags={'no-writes'}, callback=function(keys, args)
            local out = {}
            for _, chat in ipairs(redis.call('SMEMBERS', keys[1])) do
                local highest = 0
                for _, seq in ipairs(redis.call('HKEYS', k(args[1], 'msg:' .. chat))) do highest = math.max(highest, tonumber(seq)) end
                out[#out + 1] = {chat, redis.call('HGET', k(args[1], 'c:' .. chat), 'seq') or '0',
                                 redis.call('HLEN', k(args[1], 'm:' .. chat)), redis.call('HLEN', k(args[1], 'msg:' .. chat)), highest}
            end
            return out
        end}
        """#
}
