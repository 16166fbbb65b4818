// Issue 9, item 3 (small form) — idle cost: the provisioned pool, nothing changing, for a while.
// What the operator costs when it should cost nothing: writes (target 0), requests a minute, CPU
// seconds and resident memory of its process.
//
// The operator runs with leader election, as deployed, and the leader renews its Lease every
// retryPeriod (2 s) with a read and a replace. Those are the operator's requests too, but they do
// not grow with desktops, so they are counted apart: a watch on the Lease sees each renewal.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { BenchCluster } from './harness/cluster.js';
import { PATHS } from './harness/fixtures.js';
import { requestsBetween, total, writes } from './harness/operator.js';
import { round } from './harness/stats.js';
import { watchCollection } from './harness/watch.js';
import type { Provisioned } from './provisioning.js';

export const IDLE_WRITES_TARGET = 0;

export interface IdleResult {
  desktops: number;
  seconds: number;
  /** How long it took after provisioning until no VM or pool changed for the quiet period. */
  settledAfterSeconds: number;
  requests: Record<string, number>;
  /** Lease renewals seen in the window (each one get + update). */
  leaseRenewals: number;
  writes: number;
  /** Writes apart from lease renewals: what the target (0) is about. */
  writesBesidesLease: number;
  requestsPerMinute: number;
  requestsPerMinuteBesidesLease: number;
  cpuSeconds: number;
  /** cpuSeconds as a share of one core over the window. */
  cpuShareOfOneCore: number;
  residentMiB: number;
  target: { writes: number };
}

export async function idle(
  cluster: BenchCluster,
  provisioned: Provisioned,
  desktops: number,
  windowSeconds: number,
  log: (line: string) => void,
): Promise<IdleResult> {
  const { namespace, operator } = provisioned;
  const settledAfterSeconds = await settle(cluster, namespace, windowSeconds >= 60 ? 5 : 2);
  log(`idle: settled ${settledAfterSeconds} s after provisioning; measuring ${windowSeconds} s`);

  let leaseRenewals = 0;
  const leases = await watchCollection<KubernetesObject>(cluster.admin, PATHS.leases(namespace), (_obj, type) => {
    if (type === 'MODIFIED') leaseRenewals++;
  });
  const before = await operator.requestsByVerb();
  const cpuBefore = await operator.cpuSeconds();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, windowSeconds * 1000));
  const requests = requestsBetween(before, await operator.requestsByVerb());
  const cpu = (await operator.cpuSeconds()) - cpuBefore;
  const seconds = (performance.now() - started) / 1000;
  leases.stop();
  const rss = await operator.residentBytes();

  const minutes = seconds / 60;
  const w = writes(requests);
  const n = total(requests);
  return {
    desktops,
    seconds: round(seconds, 1),
    settledAfterSeconds,
    requests,
    leaseRenewals,
    writes: w,
    writesBesidesLease: Math.max(0, w - leaseRenewals),
    requestsPerMinute: round(n / minutes, 1),
    requestsPerMinuteBesidesLease: round(Math.max(0, n - 2 * leaseRenewals) / minutes, 1),
    cpuSeconds: round(cpu, 2),
    cpuShareOfOneCore: round(cpu / seconds, 3),
    residentMiB: round(rss / 2 ** 20, 1),
    target: { writes: IDLE_WRITES_TARGET },
  };
}

/**
 * Waits until no VirtualMachine or pool in the namespace changed for `quietSeconds`: the
 * simulator has finished reporting the new VMs' status and the operator its pool status.
 * Returns the seconds that took. Gives up (and measures anyway) after 5 minutes.
 */
async function settle(cluster: BenchCluster, namespace: string, quietSeconds: number): Promise<number> {
  const started = performance.now();
  let last = performance.now();
  const seen = () => {
    last = performance.now();
  };
  // The API server ends a watch that falls behind (a busy machine, thousands of objects listed at
  // its start): such a watch is opened again, and counts as a change.
  const open = async (path: string) => {
    const watcher = await watchCollection(cluster.admin, path, seen);
    const entry = { watcher, ended: false };
    watcher.ended.catch(() => {
      entry.ended = true;
    });
    return entry;
  };
  const paths = [PATHS.vms(namespace), PATHS.pools(namespace)];
  const watchers = await Promise.all(paths.map(open));
  try {
    while (performance.now() - last < quietSeconds * 1000 && performance.now() - started < 300_000) {
      await new Promise((r) => setTimeout(r, 250));
      for (const [i, entry] of watchers.entries()) {
        if (!entry.ended) continue;
        seen();
        stopQuietly(entry.watcher);
        watchers[i] = await open(paths[i] as string);
      }
    }
  } finally {
    for (const entry of watchers) stopQuietly(entry.watcher);
  }
  return round((last - started) / 1000, 1);
}

function stopQuietly(watcher: { stop(): void }): void {
  try {
    watcher.stop();
  } catch {
    // It had ended already: nothing to stop.
  }
}
