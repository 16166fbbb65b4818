// `npm run generate`: writes the CRDs from the zod schemas (and the chart's copies of config/). The same function feeds the test that
// fails when the committed YAML is stale, so what is in git is always what the code says.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { CHART_FILES_DIR, CHART_README, CHART_VALUES, chartFiles } from '../chart/files.js';
import { withValuesTable } from '../chart/values-table.js';
import { REPO_ROOT } from '../paths.js';
import { crdName, renderCrd } from './crd.js';
import { KINDS } from './index.js';

/** Where generated CRDs live: the install directory and the Helm chart's crds/. */
export const CRD_DIRS = ['crds', 'charts/kubevdi/crds'];

const HEADER = '# Generated from src/api by `npm run generate`. Do not edit by hand.\n';

/** `kubectl apply -k crds/` (and config/default) installs exactly the generated CRDs. */
export function crdKustomization(): string {
  const resources = [...generatedCrds().keys()].map((file) => `  - ${file}\n`).join('');
  return `${HEADER}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources}`;
}

/** File name -> YAML text of every CRD. */
export function generatedCrds(): Map<string, string> {
  return new Map(KINDS.map((def) => [`${crdName(def)}.yaml`, HEADER + stringify(renderCrd(def), { lineWidth: 0 })]));
}

async function main(): Promise<void> {
  for (const dir of CRD_DIRS) {
    await mkdir(path.join(REPO_ROOT, dir), { recursive: true });
    for (const [file, text] of generatedCrds()) {
      await writeFile(path.join(REPO_ROOT, dir, file), text);
      console.log(`wrote ${path.join(dir, file)}`);
    }
  }
  await writeFile(path.join(REPO_ROOT, 'crds', 'kustomization.yaml'), crdKustomization());
  console.log('wrote crds/kustomization.yaml');
  const readme = path.join(REPO_ROOT, CHART_README);
  const values = await readFile(path.join(REPO_ROOT, CHART_VALUES), 'utf8');
  await writeFile(readme, withValuesTable(await readFile(readme, 'utf8'), values));
  console.log(`wrote the values table of ${CHART_README}`);
  for (const [file, text] of await chartFiles()) {
    const target = path.join(REPO_ROOT, CHART_FILES_DIR, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    console.log(`wrote ${path.join(CHART_FILES_DIR, file)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
