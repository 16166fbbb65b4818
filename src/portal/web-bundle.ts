// Compiles the browser code (src/portal/web/) into one script and one stylesheet with esbuild,
// named by their content's hash so they can be cached for good. `npm run build` writes them to
// dist/portal/web/ (build-web.ts); a portal run from source bundles them in memory on start.
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';

export interface WebFile {
  /** A file name without directories, e.g. `app.3F2A9C1B.js`. */
  name: string;
  contents: Uint8Array;
}

/** Which of the files the pages link: written beside them as manifest.json. */
export interface WebManifest {
  script: string;
  stylesheet: string;
  files: string[];
}

/** From the source tree, also for a compiled portal run in a checkout that has not run `npm run build`. */
export const ENTRY = path.join(REPO_ROOT, 'src', 'portal', 'web', 'main.ts');

export function bundleWeb(): Promise<{ files: WebFile[]; manifest: WebManifest }> {
  return bundle('app', ENTRY, 'iife');
}

/**
 * Bundles one entry point into a script and a stylesheet named `<name>.<hash>.js|css`, in memory.
 * `esm` for code that needs ES modules in the page (<script type="module">), `iife` otherwise.
 */
export async function bundle(
  name: string,
  entry: string,
  format: 'iife' | 'esm',
): Promise<{ files: WebFile[]; manifest: WebManifest }> {
  // esbuild is a build tool (a devDependency): a compiled portal reads the manifest instead.
  const esbuild = await import('esbuild');
  const outdir = path.join(path.dirname(entry), 'out');
  const result = await esbuild.build({
    entryPoints: { [name]: entry },
    bundle: true,
    format,
    platform: 'browser',
    target: ['chrome111', 'firefox113', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    entryNames: '[name].[hash]',
    assetNames: '[name].[hash]',
    outdir,
    write: false,
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((f) => ({ name: path.relative(outdir, f.path), contents: f.contents }));
  const named = (extension: string) => {
    const file = files.find((f) => f.name.endsWith(extension));
    if (!file) throw new Error(`the ${name} bundle has no ${extension} file`);
    return file.name;
  };
  return { files, manifest: { script: named('.js'), stylesheet: named('.css'), files: files.map((f) => f.name) } };
}
