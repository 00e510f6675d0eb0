-- Argo CD health check for gitshift.dev/CanaryPolicy (status written by
-- `gitshift controller`). Argo CD runs it with only the base, table and a
-- safe os library: no string library, so no string.format or s:find.
--
--   Progressing  a rollout runs, or the controller has not seen this spec yet
--   Suspended    the rollout waits for a person (manual gate, paused)
--   Healthy      promoted, or idle after a promotion or with no rollout yet
--   Degraded     rolling back, rolled back, aborted or failed, or Ready=False
--   Unknown      a phase this script does not know (a newer controller)

local hs = {}

local function condition(conds, type)
  if conds == nil then
    return nil
  end
  for _, c in ipairs(conds) do
    if c.type == type then
      return c
    end
  end
  return nil
end

-- "<phase> step 2/4, canary 25%; <status.message>; last decision ...":
-- where the rollout is, what happens next, and the last decision's reason.
local function describe(st, phase)
  local head = phase
  if st.step ~= nil and st.step ~= "" then
    head = head .. " step " .. st.step
  end
  if st.canaryWeight ~= nil then
    head = head .. ", canary " .. tostring(st.canaryWeight) .. "%"
  end
  local parts = { head }
  if st.message ~= nil and st.message ~= "" then
    table.insert(parts, st.message)
  end
  local d = st.lastDecision
  if d ~= nil and d.decision ~= nil then
    local last = "last decision " .. d.decision
    if d.reason ~= nil and d.reason ~= "" then
      last = last .. ": " .. d.reason
    end
    table.insert(parts, last)
  end
  return table.concat(parts, "; ")
end

local running = {
  Waiting = true, Shifting = true, WaitingSync = true, VerifyingLive = true,
  Analysing = true, Advancing = true,
}
local waitingForPerson = { AwaitingGate = true, Paused = true }
local failed = {
  RollingBack = true, VerifyingRollback = true, RolledBack = true,
  Aborted = true, Failed = true,
}

local st = obj.status
if st == nil or st.phase == nil or st.phase == "" then
  hs.status = "Progressing"
  hs.message = "waiting for gitshift controller to report on the policy"
  return hs
end

local generation = tonumber(obj.metadata.generation)
local observed = tonumber(st.observedGeneration)
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "waiting for gitshift controller to observe generation " .. tostring(generation) ..
    " (status is for " .. tostring(observed) .. ")"
  return hs
end

local phase = st.phase
hs.message = describe(st, phase)

local ready = condition(st.conditions, "Ready")
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = "not ready: " .. (ready.message or "") .. "; " .. hs.message
  return hs
end

if running[phase] then
  hs.status = "Progressing"
elseif waitingForPerson[phase] then
  hs.status = "Suspended"
elseif failed[phase] then
  hs.status = "Degraded"
elseif phase == "Promoted" then
  hs.status = "Healthy"
elseif phase == "Idle" then
  -- Idle after a rollback stays Degraded until the next rollout starts:
  -- Git still asks for a canary the controller refused.
  local rolledBack = condition(st.conditions, "RolledBack")
  if rolledBack ~= nil and rolledBack.status == "True" then
    hs.status = "Degraded"
    hs.message = hs.message .. "; " .. (rolledBack.message or "")
  else
    hs.status = "Healthy"
  end
else
  hs.status = "Unknown"
  hs.message = "unknown phase " .. phase .. " (is this health check older than the controller?); " .. hs.message
end
return hs
