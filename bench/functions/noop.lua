-- W1: a handler that does nothing
return function(event)
end
