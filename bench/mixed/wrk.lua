-- wrk script of bench/soak: the requests of bench/mixed/requests in turn
-- (wrk ... -s bench/mixed/wrk.lua URL -- bench/mixed/requests)
local reqs, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    local method, uri, ip, body = line:match("^(%u+)%s+(%S+)%s+(%S+)%s*(.*)$")
    if method then
      reqs[#reqs + 1] = wrk.format(method, uri, {
        ["X-Forwarded-For"] = ip,
        ["Content-Type"] = body ~= "" and "application/json" or nil,
      }, body ~= "" and body or nil)
    end
  end
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end
