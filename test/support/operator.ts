// The operator as users run it: `kubevdi operator` in a process of its own, so tests can SIGKILL
// it, run two replicas, and read its /metrics. It is the compiled entry point the container image
// runs (`node dist/cli.js operator`), built fresh by the global setup.
import { type ChildProcess, spawn } from 'node:child_process';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import { OPERATOR_ENTRYPOINT } from './build.js';

export interface OperatorProcess {
  child: ChildProcess;
  /** Base URL of its /healthz, /readyz and /metrics. */
  healthUrl: string;
  /** Everything it logged, one JSON object a line. */
  logs(): string[];
  /** Sum of kubevdi_api_requests_total for these verbs. */
  requests(verbs: readonly string[]): Promise<number>;
  /** Sends the signal and resolves with how the process ended: `exit N` or the signal's name. */
  kill(signal?: NodeJS.Signals): Promise<string>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface OperatorProcessOptions {
  /** Whose credentials it runs with; default the `kubevdi-operator` test user, bound to kubevdi:operator. */
  kubeconfig?: string;
}

export async function startOperatorProcess(
  namespace: string,
  extraArgs: string[] = [],
  options: OperatorProcessOptions = {},
): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      OPERATOR_ENTRYPOINT,
      'operator',
      '--namespace',
      namespace,
      '--leader-election-namespace',
      namespace,
      '--health-addr',
      '127.0.0.1:0',
      ...extraArgs,
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KUBECONFIG: options.kubeconfig ?? inject('cluster').userKubeconfigs['kubevdi-operator'],
        KUBEVDI_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  void exited.then(() => running.delete(child));
  const healthUrl = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const health = /"health":"([^"]+)"/.exec(line)?.[1];
        if (health) resolve(`http://${health}`);
      }
    });
    void exited.then(() => reject(new Error(`operator exited before it started:\n${lines.join('\n')}\n${stderr}`)));
  });
  return {
    child,
    healthUrl,
    logs: () => lines,
    async requests(verbs) {
      const text = await (await fetch(`${healthUrl}/metrics`)).text();
      let sum = 0;
      for (const match of text.matchAll(/^kubevdi_api_requests_total\{verb="([^"]+)",code="[^"]+"\} (\d+)/gm)) {
        if (verbs.includes(match[1] as string)) sum += Number(match[2]);
      }
      return sum;
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const how = await exited;
      // The operator runs with its own ClusterRole only: anything it was refused is a hole in it.
      // RBAC's own refusal ("User \"x\" cannot patch resource ..."), not other 403s such as a namespace being deleted.
      const refused = lines.filter((line) => /cannot \w+ resource/.test(line));
      if (refused.length) throw new Error(`the operator was refused by RBAC:\n${refused.slice(0, 5).join('\n')}`);
      return how;
    },
  };
}
