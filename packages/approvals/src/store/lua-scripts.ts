/**
 * Every state change of a request is one Lua script, so it is atomic across
 * gateway instances: two approvers on two instances can't both count, a
 * decision can't land after an expiry, and the pub/sub message is published
 * in the same step as the change it announces.
 *
 * Time is the Redis server's clock (`TIME`), one clock for every instance.
 * History entries are JSON built by the caller without their time; the
 * script prepends `{"at":<ms>,` to the caller's object body (the JSON text
 * after its opening brace), so no script has to encode JSON arrays (cjson
 * turns an empty array into `{}`).
 *
 * Every script answers `{outcome, status, changed, at, extra}`.
 */

const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function push_history(key, now, body)
  redis.call('RPUSH', key, '{"at":' .. string.format('%d', now) .. ',' .. body)
end

local function publish(channel, id, event_type, status, by, reason, now)
  local msg = { id = id, type = event_type, status = status, at = now }
  if by ~= nil and by ~= '' then msg.by = by end
  if reason ~= nil and reason ~= '' then msg.reason = reason end
  redis.call('PUBLISH', channel, cjson.encode(msg))
end

-- pending -> a final status: indexes, decision time, retention.
local function finish(req, history, pending_idx, final_idx, id, status, now, retention)
  redis.call('HSET', req, 'status', status, 'decidedAt', string.format('%d', now))
  local created = redis.call('HGET', req, 'createdAt')
  redis.call('ZREM', pending_idx, id)
  redis.call('ZADD', final_idx, created, id)
  redis.call('PEXPIRE', req, retention)
  redis.call('PEXPIRE', history, retention)
end
`;

/**
 * KEYS: req, history, idx:all, idx:pending, idx:approved, idx:denied, idx:expired, idx:withdrawn
 * ARGV: id, doc, requester, approversJson, required, timeoutMs, grantKey,
 *       grantValue, grantWindowMs, entryBody, retentionMs, holderInstance, holderRun, channel,
 *       indexHorizonMs
 *
 * Index entries older than the horizon (retention + the longest timeout) point
 * at requests Redis has already expired; each create trims them.
 */
export const CREATE_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', '', 0, 0, 0} end
local now = now_ms()
local expires = now + tonumber(ARGV[6])
redis.call('HSET', KEYS[1],
  'doc', ARGV[2], 'status', 'pending', 'requester', ARGV[3], 'approvers', ARGV[4],
  'required', ARGV[5], 'approvals', '0',
  'createdAt', string.format('%d', now), 'expiresAt', string.format('%d', expires),
  'grantKey', ARGV[7], 'grantValue', ARGV[8], 'grantWindowMs', ARGV[9],
  'holder', ARGV[12], 'run', ARGV[13])
push_history(KEYS[2], now, ARGV[10])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZADD', KEYS[4], now, ARGV[1])
local ttl = tonumber(ARGV[6]) + tonumber(ARGV[11])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
publish(ARGV[14], ARGV[1], 'requested', 'pending', ARGV[3], nil, now)
local horizon = '(' .. string.format('%d', now - tonumber(ARGV[15]))
for i = 3, 8 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', horizon) end
return {'ok', 'pending', 1, now, expires}
`;

/**
 * One approver's decision.
 * KEYS: req, history, idx:pending, idx:approved, idx:denied, idx:expired
 * ARGV: id, decision (approve|deny), subject, groupsJson, entryBody, reason,
 *       channel, retentionMs, expiredEntryBody, expiredReason
 *
 * Order of checks: authorisation first (self-approval, approver groups), then
 * idempotency (the same subject repeating the same decision changes nothing,
 * whatever the status), then state (pending, not past its expiry).
 */
export const DECIDE_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found', '', 0, 0, 0} end
local now = now_ms()
local id, decision, subject = ARGV[1], ARGV[2], ARGV[3]
local f = redis.call('HMGET', KEYS[1], 'status', 'requester', 'approvers', 'required', 'approvals', 'expiresAt', 'grantKey', 'grantValue', 'grantWindowMs')
local status = f[1]
if decision == 'approve' and subject == f[2] then return {'self_approval', status, 0, now, 0} end
local member = false
local allowed = cjson.decode(f[3])
local groups = cjson.decode(ARGV[4])
for _, a in ipairs(allowed) do
  for _, g in ipairs(groups) do
    if a == g then member = true end
  end
end
if not member then return {'not_approver', status, 0, now, 0} end
if redis.call('HGET', KEYS[1], 'vote:' .. subject) == decision then
  return {'ok', status, 0, now, tonumber(f[5])}
end
if status ~= 'pending' then return {'not_pending', status, 0, now, 0} end
if now >= tonumber(f[6]) then
  push_history(KEYS[2], now, ARGV[9])
  finish(KEYS[1], KEYS[2], KEYS[3], KEYS[6], id, 'expired', now, tonumber(ARGV[8]))
  publish(ARGV[7], id, 'expired', 'expired', nil, ARGV[10], now)
  return {'not_pending', 'expired', 1, now, 0}
end
redis.call('HSET', KEYS[1], 'vote:' .. subject, decision)
push_history(KEYS[2], now, ARGV[5])
if decision == 'deny' then
  finish(KEYS[1], KEYS[2], KEYS[3], KEYS[5], id, 'denied', now, tonumber(ARGV[8]))
  publish(ARGV[7], id, 'denied', 'denied', subject, ARGV[6], now)
  return {'ok', 'denied', 1, now, tonumber(f[5])}
end
local approvals = redis.call('HINCRBY', KEYS[1], 'approvals', 1)
if approvals >= tonumber(f[4]) then
  finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], id, 'approved', now, tonumber(ARGV[8]))
  local window = tonumber(f[9])
  if window > 0 and f[7] ~= '' then
    redis.call('SET', f[7], f[8], 'PX', window)
  end
  publish(ARGV[7], id, 'approved', 'approved', subject, ARGV[6], now)
  return {'ok', 'approved', 1, now, approvals}
end
publish(ARGV[7], id, 'approved', 'pending', subject, ARGV[6], now)
return {'ok', 'pending', 1, now, approvals}
`;

/**
 * pending -> expired or withdrawn. Any other status is left alone (answered
 * as unchanged), so a late withdrawal or a late expiry job is harmless.
 * KEYS: req, history, idx:pending, idx:<final status>
 * ARGV: id, final status, entryBody, reason, channel, retentionMs, requireDue (1|0), by
 * With requireDue=1 a request not yet past its expiry answers `not_due` with the ms left.
 */
export const TRANSITION_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found', '', 0, 0, 0} end
local now = now_ms()
local f = redis.call('HMGET', KEYS[1], 'status', 'expiresAt')
if f[1] ~= 'pending' then return {'ok', f[1], 0, now, 0} end
if ARGV[7] == '1' then
  local left = tonumber(f[2]) - now
  if left > 0 then return {'not_due', 'pending', 0, now, left} end
end
push_history(KEYS[2], now, ARGV[3])
finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], now, tonumber(ARGV[6]))
publish(ARGV[5], ARGV[1], ARGV[2], ARGV[2], ARGV[8], ARGV[4], now)
return {'ok', ARGV[2], 1, now, 0}
`;

/**
 * The holding gateway sent the approved statement upstream. Recorded once.
 * KEYS: req, history
 * ARGV: id, entryBody, channel
 */
export const EXECUTED_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found', '', 0, 0, 0} end
local now = now_ms()
local f = redis.call('HMGET', KEYS[1], 'status', 'executedAt')
if f[1] ~= 'approved' then return {'not_approved', f[1], 0, now, 0} end
if f[2] then return {'ok', 'approved', 0, now, 0} end
redis.call('HSET', KEYS[1], 'executedAt', string.format('%d', now))
push_history(KEYS[2], now, ARGV[2])
publish(ARGV[3], ARGV[1], 'executed', 'approved', nil, nil, now)
return {'ok', 'approved', 1, now, 0}
`;

/** What every script answers, decoded. */
export interface ScriptReply {
  readonly outcome: string;
  readonly status: string;
  readonly changed: boolean;
  /** Redis server time of the script, ms since the epoch. */
  readonly at: number;
  readonly extra: number;
}

export function decodeScriptReply(raw: unknown): ScriptReply {
  if (!Array.isArray(raw) || raw.length < 5) throw new TypeError('approvals: malformed script reply');
  const [outcome, status, changed, at, extra] = raw as [unknown, unknown, unknown, unknown, unknown];
  return {
    outcome: String(outcome),
    status: String(status ?? ''),
    changed: Number(changed) === 1,
    at: Number(at),
    extra: Number(extra),
  };
}
