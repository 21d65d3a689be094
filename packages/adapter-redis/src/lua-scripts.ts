import { LuaScript } from './lua-script.js';

/**
 * Every step that touches more than one key, or must check before it writes, is one Lua script:
 * Redis runs a script atomically, so a crash (of the process or of Redis) lands before or after
 * it, never half-way. A script that fails mid-way (OOM, a key of the wrong type) is NOT rolled
 * back, though: each script therefore writes the job's new copy first and removes the old one
 * last, so a failure leaves a duplicate at worst, never a loss. All keys of a script share the queue's hash tag (redis-names.ts), so each
 * runs on one Cluster slot.
 *
 * A delivery is "ours" while the pending-entries list (PEL) shows it with this receiver's
 * consumer name and the delivery count it had when handed out. After its lease expired and
 * another receiver reclaimed it (XAUTOCLAIM), a late retry, release, dead-letter or lease
 * extension from the old holder must do nothing: the new holder settles it.
 *
 * The delayed sorted set holds whole entries: each member is the entry's field list packed with
 * cmsgpack (binary-safe, built into Redis's Lua), scored by its due time in epoch ms.
 */

const OWNED = `
local function owned(stream, group, consumer, id, count)
  local p = redis.call('XPENDING', stream, group, id, id, 1)[1]
  return p ~= nil and p[2] == consumer and p[4] == tonumber(count)
end
`;

const NO_QUEUE = `redis.error_reply('PQNOQUEUE the queue does not exist (its stream is missing): provision it')`;

/**
 * KEYS: stream, delayed, then one dedup key per message with a dedupId, in message order.
 * ARGV: dedup window ms, then per message: due ('' = now), dedup key index (0 = none), job id,
 * field count, fields. Returns per message '' (added) or the id of the job its dedupId kept.
 * The stream must exist: without provisioning a send fails, never creates a stray queue.
 */
export const SEND = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return ${NO_QUEUE} end
local out = {}
local i = 2
while i <= #ARGV do
  local due, dedup, id, n = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
  local first, last = i + 4, i + 3 + n
  local kept = dedup > 0 and redis.call('GET', KEYS[2 + dedup]) or ''
  if kept == '' then
    if due == '' then
      redis.call('XADD', KEYS[1], '*', unpack(ARGV, first, last))
    else
      redis.call('ZADD', KEYS[2], due, cmsgpack.pack(unpack(ARGV, first, last)))
    end
    -- Remembered only once the job is in: a failed add must not make its retry a "duplicate".
    if dedup > 0 then redis.call('SET', KEYS[2 + dedup], id, 'PX', ARGV[1]) end
  end
  out[#out + 1] = kept
  i = last + 1
end
return out
`);

/**
 * KEYS: stream. ARGV: group, consumer, min idle (the lease), cursor, count.
 * Claims entries whose lease expired and returns { next cursor, entries, delivery counts }.
 * XAUTOCLAIM raises each claimed entry's delivery count; the PEL then says what it is.
 */
export const RECLAIM = new LuaScript(`
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local entries, counts = {}, {}
for _, entry in ipairs(claimed[2]) do
  if type(entry) == 'table' and type(entry[2]) == 'table' then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)[1]
    entries[#entries + 1] = entry
    counts[#counts + 1] = p and p[4] or 1
  end
end
return {claimed[1], entries, counts}
`);

/** KEYS: stream. ARGV: group, ids. Acks and deletes, so the stream holds only unsettled jobs. */
export const ACK = new LuaScript(`
redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
`);

/**
 * KEYS: stream, delayed. ARGV: group, consumer, id, delivery count, due ('' = now), fields of
 * the copy. Ack and schedule the copy in one step: neither a lost job nor a double.
 */
export const RETRY = new LuaScript(`${OWNED}
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 0 end
if ARGV[5] == '' then
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, 6))
else
  redis.call('ZADD', KEYS[2], ARGV[5], cmsgpack.pack(unpack(ARGV, 6)))
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
`);

/** KEYS: stream, dead. ARGV: group, consumer, id, delivery count, fields of the dead letter. */
export const DEAD_LETTER = new LuaScript(`${OWNED}
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 5))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
`);

/**
 * KEYS: stream. ARGV: group, consumer, id, delivery count. Gives the entry back unstarted: its
 * idle time becomes "since 1970", so the next XAUTOCLAIM of any receiver takes it at once, and
 * its delivery count goes one down, so that claim (which raises it) costs no attempt.
 */
export const RELEASE = new LuaScript(`${OWNED}
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'TIME', 0, 'RETRYCOUNT', tonumber(ARGV[4]) - 1, 'JUSTID')
return 1
`);

/** KEYS: stream. ARGV: group, consumer, id, delivery count. Resets the idle time: a new lease. */
export const EXTEND = new LuaScript(`${OWNED}
if not owned(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
`);

/**
 * KEYS: delayed, stream. ARGV: members the forwarder found due. Each member still in the sorted
 * set is added to the stream, then removed: forwarders of several processes may publish the same
 * member, and exactly one moves it. Returns per member 1 (moved) or 0 (gone already).
 */
export const MOVE_DUE = new LuaScript(`
local out = {}
for i, member in ipairs(ARGV) do
  if redis.call('ZSCORE', KEYS[1], member) then
    redis.call('XADD', KEYS[2], '*', cmsgpack.unpack(member))
    redis.call('ZREM', KEYS[1], member)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`);

/** KEYS: stream, dead. ARGV: after (exclusive start, '-' for the first), count. */
export const PEEK_DEAD = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return ${NO_QUEUE} end
local start = ARGV[1] == '-' and '-' or '(' .. ARGV[1]
return redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', ARGV[2])
`);

/**
 * KEYS: dead, stream. ARGV per letter: dead-letter entry id, field count, fields of the job.
 * Each letter moves only if this run deletes it from the dead-letter stream: a letter two
 * redrives took at once goes back once. Returns per letter 1 (moved) or 0 (already gone).
 */
export const REDRIVE = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return ${NO_QUEUE} end
local out = {}
local i = 1
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  local moved = 0
  if #redis.call('XRANGE', KEYS[1], id, id) > 0 then
    redis.call('XADD', KEYS[2], '*', unpack(ARGV, i + 2, i + 1 + n))
    redis.call('XDEL', KEYS[1], id)
    moved = 1
  end
  out[#out + 1] = moved
  i = i + 2 + n
end
return out
`);

/** KEYS: stream, dead. ARGV: ids to delete from the dead-letter stream. */
export const DELETE_DEAD = new LuaScript(`
return redis.call('XDEL', KEYS[2], unpack(ARGV))
`);

/** KEYS: stream, dead. Deletes every dead letter; returns how many. */
export const PURGE_DEAD = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return ${NO_QUEUE} end
return redis.call('XTRIM', KEYS[2], 'MAXLEN', 0)
`);

/** KEYS: stream, delayed, dead. ARGV: group. Returns { stream length, pending, delayed, dead }. */
export const STATS = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return ${NO_QUEUE} end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
return {redis.call('XLEN', KEYS[1]), pending, redis.call('ZCARD', KEYS[2]), redis.call('XLEN', KEYS[3])}
`);

/**
 * KEYS: stream. ARGV: group, consumer. Removes a closed receiver's consumer from the group, but
 * only when it holds nothing: XGROUP DELCONSUMER drops its pending entries, which would strand them.
 */
export const FORGET_CONSUMER = new LuaScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
`);
