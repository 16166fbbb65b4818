-- What every kubevdi health check shares. Argo CD takes one self-contained script per kind, so
-- `npm run generate` puts this file before each of them in docs/argocd/argocd-cm.yaml.
--
-- Argo CD runs it in gopher-lua (Lua 5.1) with only the base, table and package libraries, so it
-- uses no string or math functions and nothing newer than Lua 5.1.
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

-- A status written for an older spec says nothing about this one (a new size, a new template,
-- paused): without this check a sync that just scaled a pool would look Healthy at once.
-- observedGeneration is written with every status, so a missing one means none was written yet.
local function outdated()
  local generation = obj.metadata.generation or 0
  local observed = 0
  if obj.status ~= nil and obj.status.observedGeneration ~= nil then
    observed = obj.status.observedGeneration
  end
  if observed < generation then
    hs.status = "Progressing"
    hs.message = "waiting for the operator to see generation " .. generation
    return true
  end
  return false
end
