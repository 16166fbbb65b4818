// Argo CD health checks for kubevdi's kinds. The Lua scripts in docs/argocd/health/ are the source
// of truth (test/argocd/health.test.ts runs them); `npm run generate` embeds them in a patch of
// Argo CD's argocd-cm ConfigMap, and a test fails when the committed patch is stale, as for the CRDs.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { KINDS } from '../api/index.js';
import { GROUP } from '../api/meta.js';
import { REPO_ROOT } from '../paths.js';

export const HEALTH_DIR = 'docs/argocd/health';
export const ARGOCD_CM_FILE = 'docs/argocd/argocd-cm.yaml';
/** The same scripts as values of the argo/argo-cd Helm chart (`configs.cm`). */
export const ARGOCD_HELM_VALUES_FILE = 'docs/argocd/argo-cd-values.yaml';

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

/** Helpers every script uses; Argo CD wants each script whole, so it is put before each one. */
export const COMMON_FILE = `${HEALTH_DIR}/common.lua`;

/** The script as Argo CD gets it: common.lua, then the kind's own. */
export async function readHealthScript(check: HealthCheck): Promise<string> {
  const [common, own] = await Promise.all(
    [COMMON_FILE, check.file].map((file) => readFile(path.join(REPO_ROOT, file), 'utf8')),
  );
  return `${common}\n${own}`;
}

const HEADER = `# Generated from ${HEALTH_DIR}/*.lua by \`npm run generate\`. Do not edit by hand.
# Argo CD health checks for kubevdi's VMTemplate, VirtualDesktopPool and DesktopClaim: a patch of
# Argo CD's argocd-cm ConfigMap. How to install it: docs/argocd.md.
`;

async function scriptsByKey(): Promise<Record<string, string>> {
  const data: Record<string, string> = {};
  for (const check of HEALTH_CHECKS) data[check.key] = await readHealthScript(check);
  return data;
}

/** The YAML text of the argocd-cm patch, from the scripts as they are on disk. */
export async function generatedArgoCdConfigMap(): Promise<string> {
  const data = await scriptsByKey();
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

/** Values for the argo/argo-cd chart: `helm upgrade argocd argo/argo-cd -f` this file. */
export async function generatedArgoCdHelmValues(): Promise<string> {
  const header = `# Generated from ${HEALTH_DIR}/*.lua by \`npm run generate\`. Do not edit by hand.\n# kubevdi's Argo CD health checks as values of the argo/argo-cd chart. How to use it: docs/argocd.md.\n`;
  return header + stringify({ configs: { cm: await scriptsByKey() } }, { lineWidth: 0, blockQuote: 'literal' });
}
