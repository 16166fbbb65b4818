// Running the Go toolchain: how the project gets a control plane and KubeVirt's schemas on
// machines that reach the Go module proxy but no release bucket.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

type Log = (line: string) => void;

/** Runs `go ARGS` in `cwd` and returns its stdout; stderr goes to `log` as it comes. */
export function go(args: string[], cwd: string, log?: Log, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      log?.(d.toString().trimEnd());
    });
    child.on('error', (err) => reject(new Error(`cannot run go: ${err.message} (install Go >= 1.24)`)));
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      // `go mod download -json` prints its reason in the JSON's Error field.
      const jsonError = /"Error": "([^"]*)"/.exec(stdout)?.[1];
      const reason = jsonError || stderr.trim().slice(-4000) || `exit code ${code}`;
      reject(new Error(`go ${args.join(' ')} failed: ${reason}`));
    });
  });
}

export interface DownloadedModule {
  /** Where the module's source was unpacked. */
  Dir: string;
  /** The module's go.mod. */
  GoMod: string;
}

/** Downloads a module (`path@version`) through the module proxy into Go's module cache. */
export async function goModDownload(moduleAtVersion: string): Promise<DownloadedModule> {
  // Run outside any Go module, so no go.mod or go.work around the caller is consulted or changed.
  const out = await go(['mod', 'download', '-json', moduleAtVersion], tmpdir()).catch((err: Error) => {
    throw new Error(`${err.message} (is the Go module proxy reachable?)`);
  });
  return JSON.parse(out) as DownloadedModule;
}
