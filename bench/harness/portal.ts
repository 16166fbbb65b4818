// The portal as users run it: `node dist/cli.js portal` in a process of its own (so its memory is
// its own, read from /proc), with token sign-in, looking for pools in one namespace. Its
// kubeconfig gives it the API server's address and CA only: every request is the person's.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeOrSignal, ManagedProcess } from '../../local/process.js';
import { REPO_ROOT } from '../../src/paths.js';
import { OPERATOR_ENTRYPOINT, portalUrl } from '../../test/support/build.js';
import { cpuSeconds, residentBytes } from './proc.js';

export interface PortalProcess {
  pid: number;
  url: string;
  cpuSeconds(): Promise<number>;
  residentBytes(): Promise<number>;
  logTail(): string;
  stop(): Promise<void>;
}

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

/** `extraArgs`: more `kubevdi portal` flags (the RDP gateway's, for the remote-desktop benchmark). */
export async function startPortalProcess(
  kubeconfigFile: string,
  namespace: string,
  extraArgs: string[] = [],
): Promise<PortalProcess> {
  // Profiling without editing the suite: BENCH_PORTAL_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_PORTAL_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const portal = await ManagedProcess.spawn(
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
      ...extraArgs,
    ],
    {
      name: 'the portal',
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KUBECONFIG: kubeconfigFile,
        KUBEVDI_PORTAL_SESSION_SECRET: randomBytes(48).toString('base64'),
      },
      keepLines: 50,
    },
  );
  const url = await portal.waitFor(portalUrl);
  const pid = portal.pid;
  return {
    pid,
    url,
    cpuSeconds: () => cpuSeconds(pid),
    residentBytes: () => residentBytes(pid),
    logTail: () => portal.lines().join('\n'),
    async stop() {
      await portal.stop(10_000);
      const how = exitCodeOrSignal(await portal.exited);
      if (how !== 'exit 0')
        process.stderr.write(`[bench] the portal ended: ${how}\n${portal.lines().slice(-5).join('\n')}\n`);
    },
  };
}
