// The console page's script and stylesheet, compiled with esbuild from src/portal/web/console.ts
// and named by their content's hash. Apart from the app bundle (web-bundle.ts) because noVNC 1.7
// is ES modules with a top-level await (its H.264 support check), which only an ES module bundle
// can hold: the page loads it with <script type="module">.
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';

export interface ConsoleFile {
  /** A file name without directories, e.g. `console.3F2A9C1B.js`. */
  name: string;
  contents: Uint8Array;
}

/** The files, and which of them the page links: written as console-manifest.json beside them. */
export interface ConsoleManifest {
  script: string;
  stylesheet: string;
  files: string[];
}

/** From the source tree, also for a compiled portal run in a checkout that has not run `npm run build`. */
export const CONSOLE_ENTRY = path.join(REPO_ROOT, 'src', 'portal', 'web', 'console.ts');
export const CONSOLE_MANIFEST = 'console-manifest.json';

export async function bundleConsole(): Promise<{ files: ConsoleFile[]; manifest: ConsoleManifest }> {
  // esbuild is a build tool (a devDependency): a compiled portal reads the manifest instead.
  const esbuild = await import('esbuild');
  const outdir = path.join(path.dirname(CONSOLE_ENTRY), 'out');
  const result = await esbuild.build({
    entryPoints: { console: CONSOLE_ENTRY },
    bundle: true,
    format: 'esm',
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
    if (!file) throw new Error(`the console bundle has no ${extension} file`);
    return file.name;
  };
  return { files, manifest: { script: named('.js'), stylesheet: named('.css'), files: files.map((f) => f.name) } };
}
