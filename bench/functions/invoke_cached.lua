-- bench/run "invoke": one faas.invoke answered from the LMDB cache (the
-- backend, an internal location, answers only the first request)
return function(event)
  local res = faas.invoke("be", "echo", { n = 1 })
  if not (res and res.ok) then
    error("the cached call failed")
  end
end
