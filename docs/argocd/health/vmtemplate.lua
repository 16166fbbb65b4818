-- Argo CD health of a kubevdi.io VMTemplate (argocd-cm key
-- resource.customizations.health.kubevdi.io_VMTemplate). The source of truth: `npm run generate`
-- copies this file into docs/argocd/argocd-cm.yaml.
--
-- Argo CD runs it in gopher-lua (Lua 5.1) with only the base, table and package libraries, so it
-- uses no string or math functions and nothing newer than Lua 5.1.
--
--   status older than the spec      Progressing  the operator has not looked at this spec yet
--   Ready True                      Healthy      every object the template names exists
--   Ready False                     Degraded     e.g. SourceNotFound: its pools stop too (Degraded)
--   no Ready condition              Progressing
local hs = {}

local function findCondition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == conditionType then
      return condition
    end
  end
  return nil
end

-- "Reason: message", as `kubectl describe` shows it, so the reason can be searched for.
local function explain(condition)
  if condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason .. ": " .. (condition.message or "")
  end
  return condition.message or ""
end

-- A status written for an older spec says nothing about this one. observedGeneration is written
-- with every status, so a missing one means the operator has not written any yet.
local generation = obj.metadata.generation or 0
local observed = 0
if obj.status ~= nil and obj.status.observedGeneration ~= nil then
  observed = obj.status.observedGeneration
end
if observed < generation then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to see generation " .. generation
  return hs
end

local ready = findCondition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ""
  return hs
end
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = explain(ready)
  return hs
end
hs.status = "Progressing"
hs.message = "waiting for the operator to check the objects the template names"
return hs
