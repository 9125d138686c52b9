-- wrk script for bench/exchange.sh: POST {} to the token-exchange path with the workload token
-- read from the file named by LESSOR_BENCH_TOKEN_FILE. Counts response statuses per thread and
-- prints them at the end, with the first body of a non-2xx answer, so errors are never hidden.
local token_file = os.getenv("LESSOR_BENCH_TOKEN_FILE") or error("set LESSOR_BENCH_TOKEN_FILE")
local file = assert(io.open(token_file, "r"))
local token = file:read("*l")
file:close()

wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

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
