// The moving parts of an integration test besides the API server: the KubeVirt simulator and the
// operator, each a process of its own, started per test and stopped after it (last started,
// first stopped), before the test's namespace goes.
import { afterEach, inject } from 'vitest';
import { startSimulator } from '../../local/simulator/start.js';
import { type OperatorProcess, type OperatorProcessOptions, startOperatorProcess } from './operator.js';

export function useWorld(namespace: () => string) {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  const operator = async (args: string[] = [], options: OperatorProcessOptions = {}): Promise<OperatorProcess> => {
    const started = await startOperatorProcess(namespace(), args, options);
    stops.push(() => started.kill('SIGKILL'));
    return started;
  };
  return {
    /** An operator replica in the test's namespace, with `kubevdi operator` flags. */
    operator,
    /** The simulator (short delays) and an operator. */
    async start(args: string[] = [], options: OperatorProcessOptions = {}): Promise<OperatorProcess> {
      const sim = await startSimulator({
        kubeconfig: inject('cluster').adminKubeconfig,
        namespace: namespace(),
        bootDelayMs: 50,
        stopDelayMs: 20,
        cloneDelayMs: 50,
        crashLoopBackoffMs: 100,
      });
      stops.push(() => sim.stop());
      return operator(args, options);
    },
  };
}
