// The console page's script and stylesheet, compiled with esbuild from src/portal/web/console.ts
// and named by their content's hash. Apart from the app bundle (web-bundle.ts) because noVNC 1.7
// is ES modules with a top-level await (its H.264 support check), which only an ES module bundle
// can hold: the page loads it with <script type="module">.
import path from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { bundle, type WebFile, type WebManifest } from './web-bundle.js';

export type ConsoleFile = WebFile;
/** The files, and which of them the page links: written as console-manifest.json beside them. */
export type ConsoleManifest = WebManifest;

/** From the source tree, also for a compiled portal run in a checkout that has not run `npm run build`. */
export const CONSOLE_ENTRY = path.join(REPO_ROOT, 'src', 'portal', 'web', 'console.ts');
export const CONSOLE_MANIFEST = 'console-manifest.json';

export function bundleConsole(): Promise<{ files: ConsoleFile[]; manifest: ConsoleManifest }> {
  return bundle('console', CONSOLE_ENTRY, 'esm');
}
