// Finds the server processes of a control plane this test started itself (never the suite's
// shared one): those whose command line names its work directory. Read from /proc (Linux).
import { readdir, readFile } from 'node:fs/promises';

export async function controlPlaneProcess(
  workDir: string,
  binary: 'etcd' | 'kube-apiserver',
): Promise<{ pid: number; args: string[] }> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0').filter(Boolean);
    if (args[0]?.endsWith(`/${binary}`) && args.some((a) => a.includes(workDir))) return { pid: Number(entry), args };
  }
  throw new Error(`no ${binary} of the control plane in ${workDir}`);
}

/** Freezes a process for `ms` (SIGSTOP, then SIGCONT): a server that hangs, then goes on. */
export async function freeze(pid: number, ms: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
