-- Argo CD health of a kubevdi.io DesktopClaim (argocd-cm key
-- resource.customizations.health.kubevdi.io_DesktopClaim). The source of truth:
-- `npm run generate` copies this file into docs/argocd/argocd-cm.yaml.
--
-- Argo CD runs it in gopher-lua (Lua 5.1) with only the base, table and package libraries, so it
-- uses no string or math functions and nothing newer than Lua 5.1.
--
-- It reads the phase and conditions the operator writes (src/controllers/desktopclaim.ts):
--   status older than the spec           Progressing  the operator has not looked at it yet
--   Bound, Ready True                    Healthy      the desktop runs and can be connected to
--   Bound, Ready False DesktopPoweredOff Suspended    powered off (by its user or the idle policy)
--   Bound, otherwise                     Progressing  the desktop is starting
--   Pending                              Progressing  PoolExhausted, UserLimitReached, ...
--   Released                             Suspended    see below
--   Failed                               Degraded
-- hs, findCondition, explain and outdated come from common.lua, which `npm run generate` puts
-- before this script.
if outdated() then
  return hs
end

local phase = nil
if obj.status ~= nil then
  phase = obj.status.phase
end
local bound = findCondition("Bound")
local ready = findCondition("Ready")

if phase == "Bound" then
  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
    hs.message = ready.message or ""
    return hs
  end
  -- The user (or the pool's idle policy) shut the desktop down and keeps the claim: it waits for
  -- them to start it again, which is what Suspended means, not a rollout that is under way.
  if ready ~= nil and ready.reason == "DesktopPoweredOff" then
    hs.status = "Suspended"
    hs.message = explain(ready)
    return hs
  end
  hs.status = "Progressing"
  if ready ~= nil then
    hs.message = explain(ready)
  else
    hs.message = "waiting for the bound desktop to be ready"
  end
  return hs
end

if phase == "Pending" then
  hs.status = "Progressing"
  if bound ~= nil then
    hs.message = explain(bound)
  else
    hs.message = "waiting for a desktop"
  end
  return hs
end

-- A released claim (its user logged off, or it was idle too long: the pool's session policies) is
-- kept as the record of why, and never gets a desktop again; a new claim does. Healthy would hide
-- that what Git declares (this user has a desktop) no longer holds, and Argo CD sees no drift in
-- the spec to tell anyone. Degraded would turn the Application red, and page people, for a logoff
-- the pool's own policy made, with nothing broken. Suspended is Argo CD's "stopped on purpose,
-- waiting for someone to act" (a suspended CronJob): visible, not alarming. The message says what
-- to do.
if phase == "Released" then
  local released = findCondition("Released")
  hs.status = "Suspended"
  if released ~= nil then
    hs.message = explain(released) .. "; delete the claim and create it again for a new desktop"
  else
    hs.message = "the claim was released; delete it and create it again for a new desktop"
  end
  return hs
end

if phase == "Failed" then
  hs.status = "Degraded"
  if bound ~= nil and bound.status == "False" then
    hs.message = explain(bound)
  elseif ready ~= nil and ready.status == "False" then
    hs.message = explain(ready)
  else
    hs.message = "the claim failed"
  end
  return hs
end

hs.status = "Progressing"
hs.message = "waiting for the operator to bind the claim"
return hs
