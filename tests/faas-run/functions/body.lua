-- The request body (faas_body) read and replaced: faas-run.t, the --test
-- cases and t/040-faas-run-parity.t run it in faas-run and in nginx.
-- /replace sends a new body upstream; any other uri answers with what
-- the function saw of the body.
return function(event)
  local request = event.Records[1].cf.request
  local body = request.body
  if not body then
    return { status = 200, body = "no body\n" }
  end

  local data = faas.crypto.base64_decode(body.data)

  if request.uri == "/replace" then
    body.action = "replace"
    body.encoding = "text"
    body.data = "replaced " .. #data .. " bytes: " .. data:upper()
    return request
  end

  return {
    status = 200,
    body = string.format("%s %s truncated=%s bytes=%d sha256=%s\n",
                         body.action, body.encoding,
                         tostring(body.inputTruncated), #data,
                         faas.crypto.hex(faas.crypto.sha256(data))),
  }
end
