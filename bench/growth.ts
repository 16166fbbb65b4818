// Issue 9, items 4 (growth) and 3 (idle at scale) — one operator, P pools in one namespace, grown
// step by step to N desktops in all (each pool N/P, nothing prestarted, so no boot is waited for).
// At each step: the time until every pool's status counts its desktops (a watching client sees
// it), the operator's resident memory once converged, and the mean pool reconcile time during the
// step (kubevdi_reconcile_duration_seconds). The time is shown beside what the raw client of the
// provisioning benchmark (same run) would need for the desktops added at its best rate.
// After the last step the idle benchmark runs on the grown namespace: 5000 desktops in 50 pools
// is the idle case.
import { writeFile } from 'node:fs/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { startSimulator } from '../local/simulator/start.js';
import type { VirtualDesktopPool } from '../src/api/virtualdesktoppool.js';
import { lineChart } from './harness/chart.js';
import type { BenchCluster } from './harness/cluster.js';
import { applyPool, applyTemplate, createNamespace, PATHS } from './harness/fixtures.js';
import { requestsBetween, startOperatorProcess, total } from './harness/operator.js';
import { ratio, round } from './harness/stats.js';
import { watchCollection } from './harness/watch.js';
import { type IdleResult, idle } from './idle.js';

export interface GrowthStep {
  desktops: number;
  /** Seconds from applying the new sizes until every pool counts its desktops. */
  seconds: number;
  /** Desktops added in this step / seconds. */
  desktopsPerSecond: number;
  /** seconds / what the raw client would need for the added desktops at its best rate (same run). */
  ratioToRaw?: number;
  residentMiB: number;
  /** Mean pool reconcile during the step, ms. */
  meanPoolReconcileMs: number;
  poolReconciles: number;
  requests: number;
}

export interface GrowthResult {
  pools: number;
  steps: GrowthStep[];
  /** The idle benchmark, run on the namespace as grown to `idle.desktops` (later steps continue from there). */
  idle?: IdleResult;
  /** A step that did not complete: the steps before it stand. */
  failed?: { desktops: number; error: string };
  /** Chart files written, relative to the results directory. */
  charts: string[];
}

export async function growth(
  cluster: BenchCluster,
  pools: number,
  steps: readonly number[],
  idleSeconds: number,
  /** Run the idle benchmark once the namespace holds this many desktops (a step's size); default the last step. */
  idleAt: number | undefined,
  rawDesktopsPerSecond: number | undefined,
  chartDir: string,
  log: (line: string) => void,
): Promise<GrowthResult> {
  const namespace = 'bench-op-growth';
  await createNamespace(cluster.admin, namespace);
  const simulator = await startSimulator({ kubeconfig: cluster.adminKubeconfigFile, namespace, finalizers: false });
  const operator = await startOperatorProcess(cluster.operatorKubeconfigFile, namespace).catch(async (err) => {
    await simulator.stop();
    throw err;
  });
  try {
    await applyTemplate(cluster.admin, namespace, true);
    const result: GrowthStep[] = [];
    let previous = 0;
    let idleResult: IdleResult | undefined;
    let failed: GrowthResult['failed'];
    const idleStep = idleAt ?? steps.at(-1) ?? 0;
    for (const desktops of steps) {
      try {
        const perPool = Math.floor(desktops / pools);
        const counted = new Map<string, number>();
        let resolve!: (at: number) => void;
        const converged = new Promise<number>((r) => {
          resolve = r;
        });
        const watcher = await watchCollection<VirtualDesktopPool & KubernetesObject>(
          cluster.admin,
          PATHS.pools(namespace),
          (pool, _type, at) => {
            counted.set(pool.metadata?.name ?? '', pool.status?.desktops ?? 0);
            if (counted.size === pools && [...counted.values()].every((n) => n === perPool)) resolve(at);
          },
        );
        const before = await operator.requestsByVerb();
        const reconcilesBefore = await operator.reconcileSeconds('virtualdesktoppool');
        const started = performance.now();
        try {
          for (let p = 0; p < pools; p++) await applyPool(cluster.admin, namespace, `pool-${p}`, perPool, 0);
          await Promise.race([
            converged,
            watcher.ended,
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error(`not converged at ${desktops} after 20 minutes`)), 1_200_000).unref(),
            ),
          ]);
        } finally {
          watcher.stop();
        }
        const seconds = ((await converged) - started) / 1000;
        const reconciles = await operator.reconcileSeconds('virtualdesktoppool');
        const count = reconciles.count - reconcilesBefore.count;
        const added = perPool * pools - previous;
        previous = perPool * pools;
        const step: GrowthStep = {
          desktops: perPool * pools,
          seconds: round(seconds, 2),
          desktopsPerSecond: round(added / seconds, 1),
          ...(rawDesktopsPerSecond ? { ratioToRaw: ratio(seconds, added / rawDesktopsPerSecond) } : {}),
          residentMiB: round((await operator.residentBytes()) / 2 ** 20, 1),
          meanPoolReconcileMs: count ? round(((reconciles.sum - reconcilesBefore.sum) / count) * 1000, 1) : 0,
          poolReconciles: count,
          requests: total(requestsBetween(before, await operator.requestsByVerb())),
        };
        log(`growth: ${JSON.stringify(step)}`);
        result.push(step);
        if (idleSeconds && desktops === idleStep)
          idleResult = await idle(
            cluster,
            { namespace, pool: 'pool-0', operator, stop: async () => {} },
            step.desktops,
            idleSeconds,
            log,
          );
      } catch (err) {
        // What was measured before stands; the report says which step did not complete, and why.
        failed = { desktops, error: `${String(err)}\noperator log:\n${operator.logTail()}` };
        log(`growth: the step to ${desktops} desktops failed: ${String(err)}`);
        break;
      }
    }
    if (result.length === 0 && failed) throw new Error(failed.error);
    const charts = await writeCharts(chartDir, result);
    return {
      pools,
      steps: result,
      ...(idleResult ? { idle: idleResult } : {}),
      ...(failed ? { failed } : {}),
      charts,
    };
  } catch (err) {
    throw new Error(`${String(err)}\noperator log:\n${operator.logTail()}`);
  } finally {
    await operator.stop();
    await simulator.stop();
  }
}

/** Two small line charts (SVG, no dependencies): memory and time to converge against desktops. */
async function writeCharts(dir: string, steps: GrowthStep[]): Promise<string[]> {
  const charts = [
    { file: 'growth-memory.svg', title: 'Operator resident memory (MiB)', y: (s: GrowthStep) => s.residentMiB },
    {
      file: 'growth-converge.svg',
      title: 'Seconds to converge a step (desktops added in it)',
      y: (s: GrowthStep) => s.seconds,
    },
    {
      file: 'growth-reconcile.svg',
      title: 'Mean pool reconcile during the step (ms)',
      y: (s: GrowthStep) => s.meanPoolReconcileMs,
    },
  ];
  for (const chart of charts) await writeFile(`${dir}/${chart.file}`, growthChart(chart.title, steps, chart.y));
  return charts.map((c) => c.file);
}

/** One growth chart: a value per step, against the desktops in all. */
export function growthChart(title: string, steps: GrowthStep[], y: (s: GrowthStep) => number): string {
  return lineChart({
    title,
    xLabel: 'desktops',
    xTicks: steps.map((s) => ({ x: s.desktops, label: String(s.desktops) })),
    series: [{ name: title, color: '#2563eb', dots: true, points: steps.map((s) => [s.desktops, y(s)]) }],
  });
}
