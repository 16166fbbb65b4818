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
-- hs, findCondition, explain and outdated come from common.lua, which `npm run generate` puts
-- before this script.
if outdated() then
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
