-- The demo's stand-in for the regional tier: a function behind the http
-- protocol that faas_forward calls.  Its request body is the API Gateway
-- proxy event of the client's request; it answers with the proxy
-- integration's {statusCode, headers, body}.
local quotes = {
  "Simplicity is prerequisite for reliability.",
  "Make it work, make it right, make it fast.",
  "The cheapest request is the one you never send to the origin.",
}

return function(event)
  local request = event.Records[1].cf.request
  local api = faas.json.decode(faas.crypto.base64_decode(request.body.data))
  -- no query string is JSON null: faas.json.null, not a table
  local qs = api.queryStringParameters
  local n = tonumber(type(qs) == "table" and qs.n) or 1
  local quote = quotes[(n - 1) % #quotes + 1]
  local answer = {
    statusCode = 200,
    headers = { ["Content-Type"] = "application/json",
                ["X-Regional"] = "quote" },
    body = faas.json.encode({ quote = quote, method = api.httpMethod,
                              path = api.path }) .. "\n",
  }
  return { status = 200, body = faas.json.encode(answer) }
end
