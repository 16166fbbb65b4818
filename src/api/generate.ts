// `npm run generate`: writes the CRDs from the zod schemas. The same function feeds the test that
// fails when the committed YAML is stale, so what is in git is always what the code says.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../paths.js';
import { crdName, renderCrd } from './crd.js';
import { KINDS } from './index.js';

/** Where generated CRDs live: the install directory and the Helm chart's crds/. */
export const CRD_DIRS = ['crds', 'charts/kubevdi/crds'];

const HEADER = '# Generated from src/api by `npm run generate`. Do not edit by hand.\n';

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
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
