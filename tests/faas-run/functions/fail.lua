-- A handler that fails: the --test case expects {"error": "runtime"}.
return function(event)
  error("no such user")
end
