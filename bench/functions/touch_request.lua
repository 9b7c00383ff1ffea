-- a handler that reads the request and returns it unchanged
return function(event)
  return event.Records[1].cf.request
end
