-- faas.invoke of the regional stand-in (bench/mixed/nginx.conf): ?a=ok
-- answers, ?a=fail is a 502 (retried once, then "unreachable"), ?a=stall
-- sends its answer at one byte a second (the call times out and the
-- request to it is closed), ?a=cached is kept 1 s in LMDB
return function(event)
  local q = event.Records[1].cf.request.querystring
  local action = q:match("a=(%w+)") or "ok"
  local backend = action == "cached" and "regional_cached" or "regional"
  local res, err = faas.invoke(backend, action == "cached" and "ok" or action,
                               { q = q })
  if res then
    return { status = 200, body = "invoked " .. tostring(res.ok) .. "\n" }
  end
  return { status = 503, body = err .. "\n" }
end
