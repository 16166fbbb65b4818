// `npm run build`, after the app's bundle (build-web.ts, which empties dist/portal/web/ first):
// the console page's bundle beside it, with its manifest.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { bundleConsole, CONSOLE_MANIFEST } from './console-bundle.js';

const out = path.join(REPO_ROOT, 'dist', 'portal', 'web');
const { files, manifest } = await bundleConsole();
await mkdir(out, { recursive: true });
for (const file of files) await writeFile(path.join(out, file.name), file.contents);
await writeFile(path.join(out, CONSOLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${files.map((f) => f.name).join(', ')} to ${path.relative(REPO_ROOT, out)}`);
