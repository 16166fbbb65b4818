// `npm run generate`: writes the CRDs rendered from the zod schemas (src/api/crd-files.ts), the
// chart's copies of config/ and its values table. The tests compare the committed files with the
// same renderings, so what is in git is always what the code says.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdKustomization, generatedCrds } from '../../src/api/crd-files.js';
import { CHART_FILES_DIR, CHART_README, CHART_VALUES, chartFiles } from '../../src/chart/files.js';
import { withValuesTable } from '../../src/chart/values-table.js';
import { REPO_ROOT } from '../../src/paths.js';

/** Where generated CRDs live: the install directory and the Helm chart's crds/. */
export const CRD_DIRS = ['crds', 'charts/kubevdi/crds'];

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
