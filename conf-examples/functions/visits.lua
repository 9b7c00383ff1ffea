-- A visit counter in function state (faas_state): the count is shared by
-- all workers and survives reloads and restarts.  Each request adds one
-- to the total and to the visitor's own count (a cookie names the
-- visitor), in one commit after the handler returned.
return function(event, context)
  local request = event.Records[1].cf.request
  local visitor = "anonymous"

  for _, c in ipairs(request.headers.cookie or {}) do
    visitor = c.value:match("visitor=([%w_-]+)") or visitor
  end

  local total = faas.kv.incr("total")
  local mine = faas.kv.incr("visitor:" .. visitor)
  -- the last visit: expires after a day without one
  local last = faas.kv.get("last:" .. visitor)
  faas.kv.set("last:" .. visitor, os.time(), 86400)

  return {
    status = 200,
    headers = { ["content-type"] = {{ key = "Content-Type", value = "text/plain" }} },
    body = string.format("visit %d in total, %d by %s%s\n", total, mine, visitor,
                         last and string.format(" (last one %d s ago)", os.time() - last) or ""),
  }
end
