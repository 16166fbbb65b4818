// The chart installs the same RBAC and admission policy as `kubectl apply -k config/default` and
// the tests: config/ is the source, and `npm run generate` copies it into the chart's files/
// (Helm cannot read outside the chart), where templates include it verbatim. A test fails when
// the copies are stale.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';

/** config/<dir> → charts/kubevdi/files/<dir>. */
const COPIED = ['rbac', 'admission'];
export const CHART_FILES_DIR = 'charts/kubevdi/files';
export const CHART_README = 'charts/kubevdi/README.md';
export const CHART_VALUES = 'charts/kubevdi/values.yaml';

const header = (source: string) => `# Copied from ${source} by \`npm run generate\`. Edit that file, not this one.\n`;

/** Chart-relative file path (under CHART_FILES_DIR) → content. */
export async function chartFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dir of COPIED) {
    const source = path.join(REPO_ROOT, 'config', dir);
    const manifests = (await readdir(source)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    for (const name of manifests.sort()) {
      const text = await readFile(path.join(source, name), 'utf8');
      files.set(path.join(dir, name), header(`config/${dir}/${name}`) + text);
    }
  }
  return files;
}
