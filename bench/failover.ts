// Issue 9, item 5 — failover: two replicas of the operator (leader election on a Lease, as the
// chart deploys them), a warm pool at steady state; the leader is SIGKILLed (a node gone, the OOM
// killer: no lease handed over) and a user creates a claim at that moment. Measured: from the
// kill to the claim being Bound with a ready desktop, as a watching client sees it.
//
// The standby's caches are already synced, so what it waits for is the lease: a dead leader's
// lease is taken once it has gone unrenewed for leaseDuration (counted from when the standby saw
// it last change), and the standby looks every retryPeriod. With `--lease-duration L` the
// operator uses client-go's proportions: renewDeadline 2/3 L, retryPeriod 2/15 L.
import { startSimulator } from '../local/simulator/start.js';
import { isBoundAndReady, timeClaims } from './claims.js';
import type { BenchCluster } from './harness/cluster.js';
import { applyPool, applyTemplate, createNamespace, readPool } from './harness/fixtures.js';
import { type OperatorProcess, startOperatorProcess } from './harness/operator.js';
import { round } from './harness/stats.js';
import { waitUntil } from './harness/wait.js';

export const FAILOVER_TARGET_SECONDS = 15;
const POOL = 'failover';

export interface FailoverRun {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  /** SIGKILL of the leader → a claim created right then is Bound + ready. */
  seconds: number;
}

export interface FailoverResult {
  runs: FailoverRun[];
  target: number;
}

export async function failover(
  cluster: BenchCluster,
  leaseDurations: readonly number[],
  log: (line: string) => void,
): Promise<FailoverResult> {
  const runs: FailoverRun[] = [];
  for (const lease of leaseDurations) {
    const namespace = `bench-op-failover-${lease}s`;
    await createNamespace(cluster.admin, namespace);
    const simulator = await startSimulator({
      kubeconfig: cluster.adminKubeconfigFile,
      namespace,
      finalizers: false,
      bootDelayMs: 200,
    });
    const args = ['--lease-duration', `${lease}s`];
    const operators: OperatorProcess[] = [];
    try {
      operators.push(await startOperatorProcess(cluster.operatorKubeconfigFile, namespace, { args }));
      operators.push(
        await startOperatorProcess(cluster.operatorKubeconfigFile, namespace, { args, waitForLead: false }),
      );
      await applyTemplate(cluster.admin, namespace, true);
      await applyPool(cluster.admin, namespace, POOL, 6, 4);
      await waitUntil('the failover pool to be warm', 120_000, async () => {
        const status = (await readPool(cluster.admin, namespace, POOL)).status;
        return status?.available === 4;
      });
      // Steady state: the standby has seen a few renewals.
      await new Promise((r) => setTimeout(r, (lease * 2000) / 15 + 500));
      const [leader, standby] = (await operators[0]?.isLeader()) ? operators : [...operators].reverse();
      if (!leader || !standby || (await standby.isLeader())) throw new Error('expected exactly one leader');
      const killedAt = performance.now();
      await leader.kill();
      const createdAt = performance.now();
      const bound = await timeClaims(cluster.admin, namespace, 1, isBoundAndReady, {
        pool: POOL,
        prefix: 'after-failover',
        timeoutMs: (lease + 30) * 1000,
      });
      // From the kill: the kill's own few ms, then the claim's create → Bound.
      const seconds = round((createdAt - killedAt + bound.max) / 1000, 2);
      const run = {
        leaseDurationSeconds: lease,
        renewDeadlineSeconds: round((lease * 2) / 3, 2),
        retryPeriodSeconds: round((lease * 2) / 15, 2),
        seconds,
      };
      log(`failover with a ${lease} s lease: ${seconds} s from SIGKILL to a new claim Bound`);
      runs.push(run);
    } catch (err) {
      throw new Error(`${String(err)}\noperator logs:\n${operators.map((o) => o.logTail()).join('\n---\n')}`);
    } finally {
      for (const o of operators) await o.stop();
      await simulator.stop();
    }
  }
  return { runs, target: FAILOVER_TARGET_SECONDS };
}
