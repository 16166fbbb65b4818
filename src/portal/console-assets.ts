// The console page's files as the portal serves them: a compiled portal reads what `npm run build`
// wrote beside it (web/console-manifest.json); a portal run from source (tsx, the tests) bundles
// them in memory once per process.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { bundleConsole, CONSOLE_MANIFEST, type ConsoleFile } from './console-bundle.js';

/** Where the console's files are served: apart from the app's, under a prefix of their own. */
export const CONSOLE_ASSETS_PREFIX = '/assets/console/';

export interface ConsoleAsset {
  /** Where the portal serves it. */
  path: string;
  contentType: string;
  body: Buffer;
}

export interface ConsoleAssets {
  script: string;
  stylesheet: string;
  /** By file name. */
  files: Map<string, ConsoleAsset>;
}

const Manifest = z.object({ script: z.string(), stylesheet: z.string(), files: z.array(z.string()) });
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

let loading: Promise<ConsoleAssets> | undefined;

export function consoleAssets(): Promise<ConsoleAssets> {
  loading ??= load().catch((err) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function load(): Promise<ConsoleAssets> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
  let text: string | undefined;
  try {
    text = await readFile(path.join(dir, CONSOLE_MANIFEST), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    const { manifest, files } = await bundleConsole();
    return served(manifest, files);
  }
  const manifest = Manifest.parse(JSON.parse(text));
  const files = await Promise.all(
    manifest.files.map(async (name) => ({ name, contents: await readFile(path.join(dir, path.basename(name))) })),
  );
  return served(manifest, files);
}

function served(manifest: z.infer<typeof Manifest>, files: ConsoleFile[]): ConsoleAssets {
  const url = (name: string) => `${CONSOLE_ASSETS_PREFIX}${name}`;
  return {
    script: url(manifest.script),
    stylesheet: url(manifest.stylesheet),
    files: new Map(
      files.map((f) => [
        f.name,
        {
          path: url(f.name),
          contentType: CONTENT_TYPES[path.extname(f.name)] ?? 'application/octet-stream',
          body: Buffer.from(f.contents),
        },
      ]),
    ),
  };
}
