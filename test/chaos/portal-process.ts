// A portal replica as it is deployed: `kubevdi portal` (the compiled dist/cli.js) in a process of
// its own, so a campaign can SIGKILL it. Replicas given the same session secret accept each
// other's session cookies, as the chart runs them behind one Service.
import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from '../../src/paths.js';
import { OPERATOR_ENTRYPOINT } from '../support/build.js';

export interface PortalProcess {
  url: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<string>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startPortalProcess(options: {
  kubeconfigFile: string;
  namespace: string;
  sessionSecret: string;
}): Promise<PortalProcess> {
  const child = spawn(
    process.execPath,
    [OPERATOR_ENTRYPOINT, 'portal', '--listen', '127.0.0.1:0', '--namespace', options.namespace, '--token-sign-in'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: options.kubeconfigFile, KUBEVDI_PORTAL_SESSION_SECRET: options.sessionSecret },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? `exit ${code}`);
    }),
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d;
      const found = /"url":"(http:\/\/[^"]+)"[^\n]*portal started/.exec(output)?.[1];
      if (found) resolve(found);
    });
    void exited.then((how) => reject(new Error(`portal exited (${how}) before it started:\n${output.slice(-2000)}`)));
  });
  return {
    url,
    child,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
