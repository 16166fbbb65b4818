// `npm run generate` (after the CRDs): writes docs/argocd/argocd-cm.yaml from the health check
// scripts. test/argocd/health.test.ts fails when the committed file is stale.
import { writeArgoCdConfigMap } from './health.js';

console.log(`wrote ${await writeArgoCdConfigMap()}`);
