// The portal as users run it: `node dist/cli.js portal` in a process of its own (so its memory is
// its own, read from /proc), with token sign-in, looking for pools in one namespace. Its
// kubeconfig gives it the API server's address and CA only: every request is the person's.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { OPERATOR_ENTRYPOINT } from '../../test/support/build.js';
import { cpuSeconds, residentBytes } from './proc.js';

export interface PortalProcess {
  pid: number;
  url: string;
  cpuSeconds(): Promise<number>;
  residentBytes(): Promise<number>;
  logTail(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The browser bundles where a compiled portal reads them (dist/portal/web/, as `npm run build`
 * writes them), so the portal serves them as deployed instead of bundling them in its own process.
 * A file is replaced only when it changed, and then by a rename.
 */
export async function buildWebBundles(): Promise<void> {
  const { BUNDLES, bundle, manifestFile } = await import('../../src/portal/web-bundle.js');
  const out = path.join(REPO_ROOT, 'dist', 'portal', 'web');
  await mkdir(out, { recursive: true });
  const put = async (name: string, contents: Uint8Array | string) => {
    const file = path.join(out, name);
    const text = Buffer.from(contents);
    if ((await readFile(file).catch(() => undefined))?.equals(text)) return;
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, file);
  };
  for (const name of Object.keys(BUNDLES) as (keyof typeof BUNDLES)[]) {
    const { files, manifest } = await bundle(name);
    for (const file of files) await put(file.name, file.contents);
    await put(manifestFile(name), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

export async function startPortalProcess(kubeconfigFile: string, namespace: string): Promise<PortalProcess> {
  // Profiling without editing the suite: BENCH_PORTAL_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_PORTAL_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      OPERATOR_ENTRYPOINT,
      'portal',
      '--listen',
      '127.0.0.1:0',
      '--namespace',
      namespace,
      '--token-sign-in',
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KUBECONFIG: kubeconfigFile,
        KUBEVDI_PORTAL_SESSION_SECRET: randomBytes(48).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    tail.push(...d.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 50));
  };
  child.stderr.on('data', keep);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? `exit ${code}`);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      keep(d);
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('portal started')) continue;
        const started = (JSON.parse(line) as { url?: string }).url;
        if (started) resolve(started);
      }
    });
    void exited.then((how) => reject(new Error(`the portal exited (${how}) before it started:\n${tail.join('\n')}`)));
  });
  const pid = child.pid as number;
  return {
    pid,
    url,
    cpuSeconds: () => cpuSeconds(pid),
    residentBytes: () => residentBytes(pid),
    logTail: () => tail.join('\n'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const how = await exited;
      if (how !== 'exit 0') process.stderr.write(`[bench] the portal ended: ${how}\n${tail.slice(-5).join('\n')}\n`);
      clearTimeout(timer);
    },
  };
}
