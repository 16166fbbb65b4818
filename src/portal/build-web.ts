// `npm run build`, after tsc: every page's browser bundle into dist/portal/web/, each with its manifest.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { BUNDLES, type BundleName, bundle, manifestFile } from './web-bundle.js';

const out = path.join(REPO_ROOT, 'dist', 'portal', 'web');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const name of Object.keys(BUNDLES) as BundleName[]) {
  const { files, manifest } = await bundle(name);
  for (const file of files) await writeFile(path.join(out, file.name), file.contents);
  await writeFile(path.join(out, manifestFile(name)), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${files.map((f) => f.name).join(', ')} to ${path.relative(REPO_ROOT, out)}`);
}
