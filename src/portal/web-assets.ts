// The browser bundle the portal serves itself (clusters are often air-gapped: no CDN). A compiled
// portal reads what `npm run build` wrote beside it (web/manifest.json); a portal run from source
// (tsx, the tests) has no manifest there and bundles src/portal/web/ in memory once per process.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { bundleWeb, type WebFile } from './web-bundle.js';

export interface WebAsset {
  /** Where the portal serves it: /assets/<hashed name>. */
  path: string;
  contentType: string;
  body: Buffer;
}

export interface WebAssets {
  script: string;
  stylesheet: string;
  files: WebAsset[];
}

const Manifest = z.object({ script: z.string(), stylesheet: z.string(), files: z.array(z.string()) });
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

let loading: Promise<WebAssets> | undefined;

export function webAssets(): Promise<WebAssets> {
  loading ??= load().catch((err) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function load(): Promise<WebAssets> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
  let text: string | undefined;
  try {
    text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const manifest = Manifest.parse(JSON.parse(text));
    const files = await Promise.all(
      manifest.files.map(async (name) => ({ name, contents: await readFile(path.join(dir, path.basename(name))) })),
    );
    return served(manifest, files);
  }
  const { manifest, files } = await bundleWeb();
  return served(manifest, files);
}

function served(manifest: z.infer<typeof Manifest>, files: WebFile[]): WebAssets {
  const url = (name: string) => `/assets/${name}`;
  return {
    script: url(manifest.script),
    stylesheet: url(manifest.stylesheet),
    files: files.map((f) => ({
      path: url(f.name),
      contentType: CONTENT_TYPES[path.extname(f.name)] ?? 'application/octet-stream',
      body: Buffer.from(f.contents),
    })),
  };
}
