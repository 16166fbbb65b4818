// The operator as users run it: `kubevdi operator` in a process of its own, so tests can SIGKILL
// it, run two replicas, and read its /metrics. It is the compiled entry point the container image
// runs (`node dist/cli.js operator`), built fresh by the global setup.
import type { ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { exitCodeOrSignal, ManagedProcess } from '../../local/process.js';
import { REPO_ROOT } from '../../src/paths.js';
import { OPERATOR_ENTRYPOINT, operatorHealthAddress } from './build.js';

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

export interface OperatorProcessOptions {
  /** Whose credentials it runs with; default the `kubevdi-operator` test user, bound to kubevdi:operator. */
  kubeconfig?: string;
}

export async function startOperatorProcess(
  namespace: string,
  extraArgs: string[] = [],
  options: OperatorProcessOptions = {},
): Promise<OperatorProcess> {
  // Every line it logs on stdout, kept whole: the RBAC check below reads them all.
  const lines: string[] = [];
  const operator = await ManagedProcess.spawn(
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
      name: 'the operator',
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KUBECONFIG: options.kubeconfig ?? inject('cluster').userKubeconfigs['kubevdi-operator'],
        KUBEVDI_LOG_LEVEL: 'debug',
      },
      onLine: (line, stream) => {
        if (stream === 'stdout') lines.push(line);
      },
    },
  );
  const healthUrl = `http://${await operator.waitFor(operatorHealthAddress)}`;
  return {
    child: operator.child,
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
      const how = exitCodeOrSignal(await operator.kill(signal));
      // The operator runs with its own ClusterRole only: anything it was refused is a hole in it.
      // RBAC's own refusal ("User \"x\" cannot patch resource ..."), not other 403s such as a namespace being deleted.
      const refused = lines.filter((line) => /cannot \w+ resource/.test(line));
      if (refused.length) throw new Error(`the operator was refused by RBAC:\n${refused.slice(0, 5).join('\n')}`);
      return how;
    },
  };
}
