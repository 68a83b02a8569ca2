-- wrk script: cycle through the request paths listed (one a line) in the file $WRK_PATHS,
-- sending $WRK_IF_NONE_MATCH as If-None-Match when it is set (the conditional-GET scenario).
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  paths[#paths + 1] = line
end
local etag = os.getenv("WRK_IF_NONE_MATCH")
if etag and etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end
local i = math.random(#paths) - 1
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
