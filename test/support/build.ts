// The compiled operator, as the container image runs it: integration tests start
// `node dist/cli.js operator`, so what they test is what ships. `npm run build` makes dist/; the
// tests' global setup makes it fresh with the same compiler and tsconfig.build.json.
//
// Run as a script (`node --import tsx test/support/build.ts [OUT_DIR]`) it compiles and prints a
// JSON summary; buildDist() runs it that way, so the global setup's event loop stays free for
// the control plane starting beside it.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { REPO_ROOT } from '../../src/paths.js';

/** What the image's ENTRYPOINT runs and the tests start, relative to the app (repository) root. */
export const OPERATOR_ENTRYPOINT = 'dist/cli.js';
/** The config `npm run build` compiles (`tsc -p tsconfig.build.json`). */
export const BUILD_CONFIG = 'tsconfig.build.json';

/** Where /healthz and /metrics are, from the line `kubevdi operator` logs once it runs ("operator started"). */
export const operatorHealthAddress = (line: string): string | undefined => /"health":"([^"]+)"/.exec(line)?.[1];

/** Where the portal serves, from the line `kubevdi portal` logs once it does ("portal started"). */
export const portalUrl = (line: string): string | undefined =>
  line.includes('portal started') ? /"url":"(http:\/\/[^"]+)"/.exec(line)?.[1] : undefined;

export interface BuildResult {
  /** Absolute paths of every file the compiler emitted. */
  emitted: string[];
  /** How many of them differed from what was on disk and were written. */
  written: number;
  /** Type errors, formatted; the files are emitted anyway, as `tsc` does (`npm run lint` is the gate). */
  errors: string;
  /** How long compiling and writing took. */
  ms: number;
}

/** Compiles src/ into outDir (default: the config's, dist/) in a child process. */
export function buildDist(outDir?: string): Promise<BuildResult> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...(outDir ? [outDir] : [])], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(JSON.parse(stdout) as BuildResult);
      else reject(new Error(`building ${OPERATOR_ENTRYPOINT} failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

async function compile(outDir: string | undefined): Promise<BuildResult> {
  const started = Date.now();
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO_ROOT, BUILD_CONFIG),
    outDir ? { outDir: path.resolve(outDir) } : {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error(`cannot read ${BUILD_CONFIG}`);
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
  });
  const outputs = new Map<string, string>();
  const result = program.emit(undefined, (file, text) => outputs.set(file, text));
  if (result.emitSkipped) throw new Error('the compiler emitted nothing');
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  const errors = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => REPO_ROOT,
    getNewLine: () => '\n',
  });
  // Other test runs may share this checkout and be starting `node dist/cli.js` right now: a file
  // is replaced only when it changed, and then by a rename, so nobody reads a half-written one.
  let written = 0;
  for (const [file, text] of outputs) {
    if ((await readFile(file, 'utf8').catch(() => undefined)) === text) continue;
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, file);
    written++;
  }
  return { emitted: [...outputs.keys()], written, errors, ms: Date.now() - started };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = await compile(process.argv[2]);
  process.stdout.write(JSON.stringify(result));
}
