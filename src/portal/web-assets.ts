// The browser bundles as the portal serves them itself (clusters are often air-gapped: no CDN). A
// compiled portal reads what `npm run build` wrote beside it (web/<bundle>-manifest.json); a
// portal run from source (tsx, the tests) has no manifest there and bundles src/portal/web/ in
// memory, once per bundle and process.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { chooseEncoding, compressedCopies } from './compressed.js';
import { BUNDLES, type BundleName, bundle, manifestFile, type WebFile } from './web-bundle.js';

export interface WebAsset {
  /** Where the portal serves it: <the bundle's prefix><hashed name>. */
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

const loading = new Map<BundleName, Promise<WebAssets>>();

export function webAssets(name: BundleName): Promise<WebAssets> {
  let assets = loading.get(name);
  if (!assets) {
    assets = load(name).catch((err) => {
      loading.delete(name);
      throw err;
    });
    loading.set(name, assets);
  }
  return assets;
}

/**
 * Serves a bundle's files (immutable: their names change with their content) and returns its
 * assets for the pages that link them. Loaded now, not on the first person's request.
 */
const compressed = compressedCopies();

export function serveBundle(app: FastifyInstance, name: BundleName): Promise<WebAssets> {
  const assets = webAssets(name);
  assets.catch((err: unknown) => app.log.error({ err, bundle: name }, 'a page’s files are missing'));
  app.get(`${BUNDLES[name].prefix}:file`, async (request, reply) => {
    const wanted = `${BUNDLES[name].prefix}${(request.params as { file: string }).file}`;
    const file = (await assets).files.find((f) => f.path === wanted);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('404 Not Found\n');
    reply
      .type(file.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding');
    const encoding = chooseEncoding(request.headers['accept-encoding'], file.body.length);
    if (!encoding) return reply.send(file.body);
    return reply.header('content-encoding', encoding).send(await compressed(file.body, encoding));
  });
  return assets;
}

async function load(name: BundleName): Promise<WebAssets> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
  let text: string | undefined;
  try {
    text = await readFile(path.join(dir, manifestFile(name)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const manifest = Manifest.parse(JSON.parse(text));
    const files = await Promise.all(
      manifest.files.map(async (file) => ({
        name: file,
        contents: await readFile(path.join(dir, path.basename(file))),
      })),
    );
    return served(name, manifest, files);
  }
  const { manifest, files } = await bundle(name);
  return served(name, manifest, files);
}

function served(name: BundleName, manifest: z.infer<typeof Manifest>, files: WebFile[]): WebAssets {
  const url = (file: string) => `${BUNDLES[name].prefix}${file}`;
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
