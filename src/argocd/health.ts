// Argo CD health checks for kubevdi's kinds. The Lua scripts in docs/argocd/health/ are the source
// of truth (test/argocd/health.test.ts runs them); `npm run generate` embeds them in a patch of
// Argo CD's argocd-cm ConfigMap, and a test fails when the committed patch is stale, as for the CRDs.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { KINDS } from '../api/index.js';
import { GROUP } from '../api/meta.js';
import { REPO_ROOT } from '../paths.js';

export const HEALTH_DIR = 'docs/argocd/health';
export const ARGOCD_CM_FILE = 'docs/argocd/argocd-cm.yaml';

export interface HealthCheck {
  kind: string;
  /** The script, relative to the repository root. */
  file: string;
  /** The argocd-cm key Argo CD looks the script up by: `resource.customizations.health.<group>_<kind>`. */
  key: string;
}

/** One health check per kind of the API. */
export const HEALTH_CHECKS: readonly HealthCheck[] = KINDS.map(({ kind }) => ({
  kind,
  file: `${HEALTH_DIR}/${kind.toLowerCase()}.lua`,
  key: `resource.customizations.health.${GROUP}_${kind}`,
}));

export function readHealthScript(check: HealthCheck): Promise<string> {
  return readFile(path.join(REPO_ROOT, check.file), 'utf8');
}

const HEADER = `# Generated from ${HEALTH_DIR}/*.lua by \`npm run generate\`. Do not edit by hand.
# Argo CD health checks for kubevdi's VMTemplate, VirtualDesktopPool and DesktopClaim: a patch of
# Argo CD's argocd-cm ConfigMap. How to install it: docs/argocd.md.
`;

/** The YAML text of the argocd-cm patch, from the scripts as they are on disk. */
export async function generatedArgoCdConfigMap(): Promise<string> {
  const data: Record<string, string> = {};
  for (const check of HEALTH_CHECKS) data[check.key] = await readHealthScript(check);
  const patch = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'argocd-cm',
      namespace: 'argocd',
      labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
    },
    data,
  };
  // Block literals keep the scripts readable (and diffable) in the ConfigMap.
  return HEADER + stringify(patch, { lineWidth: 0, blockQuote: 'literal' });
}

export async function writeArgoCdConfigMap(): Promise<string> {
  await writeFile(path.join(REPO_ROOT, ARGOCD_CM_FILE), await generatedArgoCdConfigMap());
  return ARGOCD_CM_FILE;
}
