// `npm run generate` (after the CRDs): writes docs/argocd/argocd-cm.yaml and argo-cd-values.yaml
// from the health check scripts. test/argocd/health.test.ts fails when the committed file is stale.
import { writeArgoCdConfigMap } from './health.js';

for (const file of await writeArgoCdConfigMap()) console.log(`wrote ${file}`);
