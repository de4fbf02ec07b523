/**
 * Lua for state.redis. Layout (shared with daprd, so either can read the other's data):
 * one hash per key with fields `data` (the stored bytes) and `version` (the ETag, an
 * integer bumped on each write); a first-write save also sets `first-write`.
 *
 * Write rule: allowed when the key has no version yet, when the given version matches,
 * or when no version was given (`"0"`) and the key was never written with first-write.
 * Delete rule: allowed when the key has no version or no version was given or it matches.
 */

/** KEYS[1] key; ARGV: version ("0" = none), data, first-write ("1"/"0"), ttl seconds ("" = keep). Returns the new version or an error. */
export const SET_SCRIPT = `
local current = redis.pcall("HGET", KEYS[1], "version")
if type(current) == "table" then
  redis.call("DEL", KEYS[1])
  current = false
end
local guarded = redis.call("HEXISTS", KEYS[1], "first-write") == 1
if current and current ~= "" and current ~= ARGV[1] and (guarded or ARGV[1] ~= "0") then
  return redis.error_reply("version mismatch for key " .. KEYS[1])
end
redis.call("HSET", KEYS[1], "data", ARGV[2])
if ARGV[3] == "1" then
  redis.call("HSET", KEYS[1], "first-write", 0)
end
local version = redis.call("HINCRBY", KEYS[1], "version", 1)
if ARGV[4] ~= "" then
  local ttl = tonumber(ARGV[4])
  if ttl > 0 then redis.call("EXPIRE", KEYS[1], ttl) else redis.call("PERSIST", KEYS[1]) end
end
return version
`;

/** KEYS[1] key; ARGV[1] version ("0" = none). */
export const DELETE_SCRIPT = `
local current = redis.pcall("HGET", KEYS[1], "version")
if type(current) ~= "table" and current and current ~= "" and ARGV[1] ~= "0" and current ~= ARGV[1] then
  return redis.error_reply("version mismatch for key " .. KEYS[1])
end
return redis.call("DEL", KEYS[1])
`;

/**
 * A whole transaction in one script, so it is all-or-nothing: every operation is checked
 * before any is applied. KEYS = the keys in order; ARGV = for each operation five values:
 * kind ("set"/"del"), version, data, first-write, ttl.
 */
export const TRANSACTION_SCRIPT = `
local n = #KEYS
for i = 1, n do
  local base = (i - 1) * 5
  local kind, version = ARGV[base + 1], ARGV[base + 2]
  local current = redis.pcall("HGET", KEYS[i], "version")
  if type(current) == "table" then current = false end
  if kind == "set" then
    local guarded = redis.call("HEXISTS", KEYS[i], "first-write") == 1
    if current and current ~= "" and current ~= version and (guarded or version ~= "0") then
      return redis.error_reply("version mismatch for key " .. KEYS[i])
    end
  elseif current and current ~= "" and version ~= "0" and current ~= version then
    return redis.error_reply("version mismatch for key " .. KEYS[i])
  end
end
for i = 1, n do
  local base = (i - 1) * 5
  local kind = ARGV[base + 1]
  if kind == "set" then
    if redis.call("TYPE", KEYS[i]).ok ~= "hash" then redis.call("DEL", KEYS[i]) end
    redis.call("HSET", KEYS[i], "data", ARGV[base + 3])
    if ARGV[base + 4] == "1" then redis.call("HSET", KEYS[i], "first-write", 0) end
    redis.call("HINCRBY", KEYS[i], "version", 1)
    local ttl = ARGV[base + 5]
    if ttl ~= "" then
      if tonumber(ttl) > 0 then redis.call("EXPIRE", KEYS[i], tonumber(ttl)) else redis.call("PERSIST", KEYS[i]) end
    end
  else
    redis.call("DEL", KEYS[i])
  end
end
return n
`;
