// `npm run build`, after tsc: the browser bundle into dist/portal/web/, with its manifest.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { bundleWeb } from './web-bundle.js';

const out = path.join(REPO_ROOT, 'dist', 'portal', 'web');
const { files, manifest } = await bundleWeb();
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const file of files) await writeFile(path.join(out, file.name), file.contents);
await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${files.map((f) => f.name).join(', ')} to ${path.relative(REPO_ROOT, out)}`);
