-- one faas.kv.set per request: a commit of one key each time
return function(event)
  faas.kv.set("k", "a value of some thirty bytes..")
end
