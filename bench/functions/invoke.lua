-- bench/invoke-bench: one faas.invoke of the "echo" action; its result
-- is the response body
return function(event)
  local q = event.Records[1].cf.request.querystring
  local res, err = faas.invoke(q:match("^cached") and "cached" or "fn",
                               "echo", { n = 1 })
  return { status = 200, body = res and res._protocol or err }
end
