-- wrk script: POST the CDS Hooks request named by the BODY environment variable; count non-200 answers.
local f = assert(io.open(os.getenv("BODY"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
