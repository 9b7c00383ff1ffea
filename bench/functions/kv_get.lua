-- one faas.kv.get per request (bench/kv-bench, bench/callgrind-ipr); the
-- first request stores the value, so the others read a 30-byte string
return function(event)
  if faas.kv.get("k") == nil then
    faas.kv.set("k", "a value of some thirty bytes..")
  end
end
