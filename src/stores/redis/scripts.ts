/**
 * Lua scripts the BullMQ store runs next to BullMQ's own, each atomic on the Redis server.
 * Keys of entries are `<prefix>:<queue>:<jobId>` (BullMQ's); the store's own keys live under
 * `<prefix>:<queue>:_cio:`.
 */

/**
 * Records a pushed entry. KEYS: seq counter, person index (sorted set by push order), age index
 * (sorted set by enqueuedAt). ARGV: id, enqueuedAt, '1' when the entry has a person key.
 */
export const INDEX = `
if ARGV[3] == '1' and not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[1]), ARGV[1])
end
redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[1])
return 1`;

/**
 * Whether a leased job is its person's head (may be handed out). Heads whose job is gone (a
 * process died between removing a job and unindexing it) are dropped on the way.
 * KEYS: person index. ARGV: job id, job key prefix. Returns 1 (head) or 0 (blocked).
 */
export const IS_HEAD = `
for i = 1, 64 do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if (not head) or head == ARGV[1] then return 1 end
  if redis.call('EXISTS', ARGV[2] .. head) == 1 then return 0 end
  redis.call('ZREM', KEYS[1], head)
end
return 0`;

/**
 * Forgets a removed entry. KEYS: person index, age index. ARGV: id.
 * Returns the person's new head when the removed entry was the head, else nil.
 */
export const UNINDEX = `
redis.call('ZREM', KEYS[2], ARGV[1])
local wasHead = redis.call('ZRANGE', KEYS[1], 0, 0)[1] == ARGV[1]
redis.call('ZREM', KEYS[1], ARGV[1])
if wasHead then return redis.call('ZRANGE', KEYS[1], 0, 0)[1] end
return nil`;

/**
 * The enqueue time of the oldest live entry, dropping index members whose job is gone.
 * KEYS: age index. ARGV: job key prefix. Returns the score as a string, or nil.
 */
export const OLDEST = `
for i = 1, 64 do
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if not first[1] then return nil end
  if redis.call('EXISTS', ARGV[1] .. first[1]) == 1 then return first[2] end
  redis.call('ZREM', KEYS[1], first[1])
end
return nil`;

/**
 * Adds (or replaces, moving it last) a dead letter and trims the oldest beyond the maximum.
 * KEYS: seq counter, dead-letter hash, dead-letter order (sorted set). ARGV: id, JSON, max.
 * Returns how many old dead letters were trimmed.
 */
export const ADD_DEAD = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[1]), ARGV[1])
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[3])
if excess <= 0 then return 0 end
local old = redis.call('ZRANGE', KEYS[3], 0, excess - 1)
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, excess - 1)
for _, id in ipairs(old) do redis.call('HDEL', KEYS[2], id) end
return excess`;

/**
 * Finds leases to give back after this store lost track of them (a take whose reply was lost to a
 * dropped connection, or that was abandoned): active jobs locked with a token of this store, and
 * active jobs whose lock is gone (an expired lease that BullMQ's stalled check has not moved yet),
 * which it locks with ARGV[3] first so that only this store moves them.
 * KEYS: active list. ARGV: job key prefix, this store's token prefix, claim token, claim lock ms.
 * Returns a flat list of job id and lock token pairs.
 */
export const FIND_ORPHANS = `
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if not string.find(id, ':', 1, true) then
    local lockKey = ARGV[1] .. id .. ':lock'
    local lock = redis.call('GET', lockKey)
    if not lock then
      if redis.call('EXISTS', ARGV[1] .. id) == 1 then
        redis.call('SET', lockKey, ARGV[3], 'PX', ARGV[4])
        out[#out + 1] = id
        out[#out + 1] = ARGV[3]
      end
    elseif string.sub(lock, 1, #ARGV[2]) == ARGV[2] then
      out[#out + 1] = id
      out[#out + 1] = lock
    end
  end
end
return out`;
