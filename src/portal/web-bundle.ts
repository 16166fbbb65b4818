// Compiles the browser code (src/portal/web/) with esbuild: one script and one stylesheet per
// page kind, named by their content's hash so they can be cached for good. `npm run build` writes
// them to dist/portal/web/ (build-web.ts); a portal run from source bundles them in memory.
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';

/**
 * The pages' bundles. The console's (and the RDP page's) is an ES module because noVNC 1.7 is ES modules with a
 * top-level await (its H.264 support check), which only an ES module bundle can hold: its page
 * loads it with <script type="module">. Each is served under a prefix of its own.
 */
export const BUNDLES = {
  app: { entry: 'main.ts', format: 'iife', prefix: '/assets/' },
  console: { entry: 'console.ts', format: 'esm', prefix: '/assets/console/' },
  admin: { entry: 'admin.ts', format: 'iife', prefix: '/assets/admin/' },
  // IronRDP's client is ES modules with its WebAssembly inline (about 6 MB): its own page only.
  rdp: { entry: 'rdp.ts', format: 'esm', prefix: '/assets/rdp/' },
} as const satisfies Record<string, { entry: string; format: 'iife' | 'esm'; prefix: string }>;
export type BundleName = keyof typeof BUNDLES;

export interface WebFile {
  /** A file name without directories, e.g. `app.3F2A9C1B.js`. */
  name: string;
  contents: Uint8Array;
}

/** Which of the files the page links: written beside them as <bundle>-manifest.json. */
export interface WebManifest {
  script: string;
  stylesheet: string;
  files: string[];
}

export function manifestFile(name: BundleName): string {
  return `${name}-manifest.json`;
}

/** From the source tree, also for a compiled portal run in a checkout that has not run `npm run build`. */
export function entryOf(name: BundleName): string {
  return path.join(REPO_ROOT, 'src', 'portal', 'web', BUNDLES[name].entry);
}

/** Bundles one page kind into a script and a stylesheet named `<name>.<hash>.js|css`, in memory. */
export async function bundle(name: BundleName): Promise<{ files: WebFile[]; manifest: WebManifest }> {
  // esbuild is a build tool (a devDependency): a compiled portal reads the manifest instead.
  const esbuild = await import('esbuild');
  const entry = entryOf(name);
  const outdir = path.join(path.dirname(entry), 'out');
  const result = await esbuild.build({
    entryPoints: { [name]: entry },
    bundle: true,
    format: BUNDLES[name].format,
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
