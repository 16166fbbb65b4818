-- Argo CD health of a kubevdi.io VirtualDesktopPool (argocd-cm key
-- resource.customizations.health.kubevdi.io_VirtualDesktopPool). The source of truth:
-- `npm run generate` copies this file into docs/argocd/argocd-cm.yaml.
--
-- Argo CD runs it in gopher-lua (Lua 5.1) with only the base, table and package libraries, so it
-- uses no string or math functions and nothing newer than Lua 5.1.
--
-- It reads the conditions the operator writes (src/controllers/pool-status.ts), in this order:
--   status older than the spec              Progressing  the operator has not looked at it yet
--   Degraded True                           Degraded     template missing or not ready, desktops failing
--   spec.paused                             Suspended    nothing is created, removed or updated
--   Progressing False, and Available True   Healthy      desktops are ready for new users
--     or Available False because the pool
--     has size 0 or all desktops are held   Healthy      the pool does all it was asked to
--   otherwise                               Progressing  scaling, rolling out, starting desktops
-- hs, findCondition, explain and outdated come from common.lua, which `npm run generate` puts
-- before this script.
if outdated() then
  return hs
end

local degraded = findCondition("Degraded")
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = explain(degraded)
  return hs
end

if obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "the pool is paused: desktops are not created, removed or updated"
  return hs
end

local available = findCondition("Available")
local progressing = findCondition("Progressing")
-- Progressing False means the operator has nothing left to do, except WaitingForTemplate: the
-- template's new spec has not been checked yet, and a rollout may follow.
local settled = progressing ~= nil and progressing.status == "False" and progressing.reason ~= "WaitingForTemplate"
if settled and available ~= nil then
  if available.status == "True" then
    hs.status = "Healthy"
    hs.message = available.message or ""
    return hs
  end
  -- A pool of size 0, or one whose every desktop a user holds, is as it should be: nothing will
  -- change until someone scales it or releases a desktop. Progressing would never end (and would
  -- hold up later sync waves); Degraded would alarm people about a full pool. The message says it.
  if available.reason == "NoDesktops" or available.reason == "PoolExhausted" then
    hs.status = "Healthy"
    hs.message = available.message or ""
    return hs
  end
end

hs.status = "Progressing"
if progressing ~= nil and not settled then
  hs.message = explain(progressing)
elseif available ~= nil then
  hs.message = explain(available)
else
  hs.message = "waiting for the operator to report the pool's desktops"
end
return hs
