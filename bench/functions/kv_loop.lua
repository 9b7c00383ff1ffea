-- GET /loop?OP&N: N faas.kv OPs (get, set, incr) in one invocation over
-- 1000 keys, then the commit; the body says how long the loop took
-- (os.clock: CPU time of the worker) so the client can tell the staging
-- from the commit.  get reads the keys that set wrote.
return function(event)
  local op, n = event.Records[1].cf.request.querystring:match("^(%a+)&(%d+)$")
  local kv, keys = faas.kv, {}
  n = tonumber(n)
  for i = 0, 999 do keys[i] = (op == "incr" and "n" or "s") .. i end
  local t0 = os.clock()
  if op == "get" then
    for i = 1, n do kv.get(keys[i % 1000]) end
  elseif op == "set" then
    for i = 1, n do kv.set(keys[i % 1000], "a value of some thirty bytes..") end
  else
    for i = 1, n do kv.incr(keys[i % 1000]) end
  end
  return { status = 200, body = string.format("%.6f", os.clock() - t0) }
end
