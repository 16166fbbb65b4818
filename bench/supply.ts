// Issue 9, items 2 (cold) and 6 (warm refill) — desktops that have to boot first. The simulator
// boots a desktop in B ms (its boot delay), so B is the part KubeVirt and the guest would take on a
// cluster; what is reported is the time kubevdi adds beyond B.
//
// - Cold claim: a pool with nothing prestarted (every desktop halted); claims one after another;
//   from each create to Bound with a ready desktop. Beyond B, kubevdi's part: the claim's
//   round trips and starting the desktop. Baseline in the same run: the raw create → watch event.
// - Warm refill: a pool of S with P prestarted and ready; a burst of P claims takes every warm
//   desktop; the time until P unassigned desktops are ready again (the pool's status.available,
//   as a watching client sees it). Anchors: oVirt's pool monitor starts at most 5 prestarted VMs
//   per 5-minute cycle (VmPoolMonitorBatchSize, VmPoolMonitorIntervalInMinutes), so P = 50 takes it
//   about 50 minutes; VMware Horizon's instant clones come at about one a second, so about P s.
import type { KubernetesObject } from '@kubernetes/client-node';
import { startSimulator } from '../local/simulator/start.js';
import type { VirtualDesktopPool } from '../src/api/virtualdesktoppool.js';
import { isBoundAndReady, timeClaims } from './claims.js';
import type { BenchCluster } from './harness/cluster.js';
import { applyPool, applyTemplate, createNamespace, PATHS, readPool } from './harness/fixtures.js';
import { startOperatorProcess } from './harness/operator.js';
import { type Distribution, distribution, ratio, round } from './harness/stats.js';
import { waitUntil } from './harness/wait.js';
import { untilWatched } from './harness/watch.js';

export interface SupplySizes {
  /** Claims made one after another on the cold pool. */
  coldClaims: number;
  refillSize: number;
  refillPrestarted: number;
  bootDelayMs: number;
}

export interface SupplyResult {
  bootDelayMs: number;
  cold: {
    claims: number;
    /** ms from create to Bound + ready. */
    operator: Distribution;
    /** The same minus B: what kubevdi (and the API server) add. */
    beyondBoot: Distribution;
    /** Raw create → watch event, one at a time, same run. */
    raw: Distribution;
    /** p50 beyond B / raw p50. */
    ratio: number;
  };
  refill: {
    size: number;
    prestarted: number;
    /** From the burst's first create until `prestarted` unassigned desktops are ready again. */
    seconds: number;
    beyondBootSeconds: number;
    /** The same burst's claims, create → Bound + ready. */
    claims: Distribution;
    anchors: { oVirtSeconds: number; horizonSeconds: number };
  };
}

const COLD_POOL = 'cold';
const REFILL_POOL = 'refill';

export async function supply(
  cluster: BenchCluster,
  sizes: SupplySizes,
  log: (line: string) => void,
): Promise<SupplyResult> {
  const raw: number[] = [];
  for (let i = 0; i < sizes.coldClaims; i++) {
    raw.push((await timeClaims(cluster.admin, 'bench-raw-cold', 1, () => true, { prefix: `raw${i}` })).max);
  }
  const rawDist = distribution(raw);

  const namespace = 'bench-op-supply';
  await createNamespace(cluster.admin, namespace);
  const simulator = await startSimulator({
    kubeconfig: cluster.adminKubeconfigFile,
    namespace,
    finalizers: false,
    bootDelayMs: sizes.bootDelayMs,
  });
  const operator = await startOperatorProcess(cluster.operatorKubeconfigFile, namespace).catch(async (err) => {
    await simulator.stop();
    throw err;
  });
  try {
    await applyTemplate(cluster.admin, namespace, true);
    // Cold: every desktop halted; one claim at a time, each getting a halted desktop started.
    await applyPool(cluster.admin, namespace, COLD_POOL, sizes.coldClaims, 0);
    await waitUntil('the cold pool to exist', 120_000, async () => {
      const status = (await readPool(cluster.admin, namespace, COLD_POOL)).status;
      return status?.desktops === sizes.coldClaims;
    });
    const cold: number[] = [];
    for (let i = 0; i < sizes.coldClaims; i++) {
      const d = await timeClaims(cluster.admin, namespace, 1, isBoundAndReady, { pool: COLD_POOL, prefix: `cold${i}` });
      cold.push(d.max);
    }
    const coldDist = distribution(cold);
    const beyond = distribution(cold.map((ms) => ms - sizes.bootDelayMs));
    log(`cold claims (B = ${sizes.bootDelayMs} ms): ${JSON.stringify(coldDist)}; raw ${JSON.stringify(rawDist)}`);

    // Warm refill.
    const { refillSize: size, refillPrestarted: warm } = sizes;
    await applyPool(cluster.admin, namespace, REFILL_POOL, size, warm);
    await waitUntil(`${warm} warm desktops in the refill pool`, 300_000, async () => {
      const status = (await readPool(cluster.admin, namespace, REFILL_POOL)).status;
      return status?.desktops === size && status.available === warm;
    });
    let burstStarted = 0;
    let claimsDist: Distribution | undefined;
    let sawEmpty = false;
    const refilledAt = await untilWatched<VirtualDesktopPool & KubernetesObject>(
      cluster.admin,
      PATHS.pools(namespace),
      (pool) => {
        if (pool.metadata?.name !== REFILL_POOL) return false;
        const available = pool.status?.available ?? 0;
        if (available < warm) sawEmpty = true;
        return sawEmpty && available >= warm;
      },
      600_000,
      async () => {
        burstStarted = performance.now();
        claimsDist = await timeClaims(cluster.admin, namespace, warm, isBoundAndReady, {
          pool: REFILL_POOL,
          prefix: 'burst',
        });
      },
    );
    const seconds = round((refilledAt - burstStarted) / 1000, 2);
    log(`warm refill of ${warm} (pool ${size}, B = ${sizes.bootDelayMs} ms): ${seconds} s`);
    return {
      bootDelayMs: sizes.bootDelayMs,
      cold: {
        claims: sizes.coldClaims,
        operator: coldDist,
        beyondBoot: beyond,
        raw: rawDist,
        ratio: ratio(beyond.p50, rawDist.p50),
      },
      refill: {
        size,
        prestarted: warm,
        seconds,
        beyondBootSeconds: round(seconds - sizes.bootDelayMs / 1000, 2),
        claims: claimsDist as Distribution,
        anchors: { oVirtSeconds: Math.ceil(warm / 5) * 300, horizonSeconds: warm },
      },
    };
  } catch (err) {
    throw new Error(`${String(err)}\noperator log:\n${operator.logTail()}`);
  } finally {
    await operator.stop();
    await simulator.stop();
  }
}
