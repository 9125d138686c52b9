-- wrk script for the bench/*.sh load runs: POST a fixed body and count response statuses per
-- thread, printing them at the end with the first body of a non-2xx answer, so errors are never
-- hidden. Environment:
--   LESSOR_BENCH_BODY_FILE      the body (default "{}")
--   LESSOR_BENCH_CONTENT_TYPE   its type (default application/json)
--   LESSOR_BENCH_TOKEN_FILE     a workload token sent as "Authorization: Bearer"
--   LESSOR_BENCH_AUTHORIZATION  or a whole Authorization header value
local function read(name)
   local file = assert(io.open(name, "r"))
   local text = file:read("*a")
   file:close()
   return text
end

wrk.method = "POST"
local body_file = os.getenv("LESSOR_BENCH_BODY_FILE")
wrk.body = body_file and read(body_file) or "{}"
wrk.headers["Content-Type"] = os.getenv("LESSOR_BENCH_CONTENT_TYPE") or "application/json"
local token_file = os.getenv("LESSOR_BENCH_TOKEN_FILE")
if token_file then
   wrk.headers["Authorization"] = "Bearer " .. read(token_file):gsub("%s+$", "")
end
local authorization = os.getenv("LESSOR_BENCH_AUTHORIZATION")
if authorization then
   wrk.headers["Authorization"] = authorization
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
   first_error = ""
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if (status < 200 or status > 299) and first_error == "" then
      first_error = status .. " " .. (body or "")
   end
end

function done(summary, latency, requests)
   local total = {}
   local sample = ""
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         total[status] = (total[status] or 0) + count
      end
      local error_body = thread:get("first_error")
      if sample == "" and error_body ~= "" then sample = error_body end
   end
   for status, count in pairs(total) do
      io.write(string.format("status %d: %d\n", status, count))
   end
   if sample ~= "" then
      io.write("first error: " .. string.sub(sample, 1, 300) .. "\n")
   end
end
