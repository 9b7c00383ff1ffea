-- one viewer lookup per request
return function(event)
  local country = faas.geo().country_code
end
