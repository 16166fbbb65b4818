// `npm run generate` (after the CRDs): writes docs/argocd/argocd-cm.yaml and argo-cd-values.yaml
// from the health check scripts, as src/argocd/health.ts renders them.
// test/argocd/health.test.ts fails when the committed files are stale.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ARGOCD_CM_FILE,
  ARGOCD_HELM_VALUES_FILE,
  generatedArgoCdConfigMap,
  generatedArgoCdHelmValues,
} from '../../src/argocd/health.js';
import { REPO_ROOT } from '../../src/paths.js';

await writeFile(path.join(REPO_ROOT, ARGOCD_CM_FILE), await generatedArgoCdConfigMap());
await writeFile(path.join(REPO_ROOT, ARGOCD_HELM_VALUES_FILE), await generatedArgoCdHelmValues());
for (const file of [ARGOCD_CM_FILE, ARGOCD_HELM_VALUES_FILE]) console.log(`wrote ${file}`);
