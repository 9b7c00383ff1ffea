-- one faas.kv.incr per request: a read, then a commit of one key
return function(event)
  faas.kv.incr("k")
end
