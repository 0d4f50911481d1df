-- wrk script: sign-ins to the dashboard with wrong passwords, each under a new name (so no name is ever locked
-- and every one costs a password check). Used by benches/sign_in_flood.sh.
local n = 0
request = function()
  n = n + 1
  local body = "name=guess-" .. math.random(1, 1e9) .. "-" .. n .. "&password=not-the-password"
  return wrk.format("POST", "/scalelite/dashboard/sign-in",
                    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
