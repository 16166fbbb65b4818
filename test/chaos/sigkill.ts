// The SIGKILL campaign: pools scale and people claim and release while the operator is killed at
// random moments (SIGKILL: no lease handed over, writes cut off half-way) and started again.
// After each kill the safety invariants are checked at once (while the operator is dead, with the
// load still running), then the load stops and the convergence invariants must all hold within
// the limit: the time from the restart to that is the time to converge.
//
// Shared by the suite (test/operator-chaos.integration.test.ts, a few kills) and `npm run chaos`
// (bench/chaos.ts, 50 kills): it takes kubeconfig files, not the suite's `inject`.
import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { applyTemplate, createNamespace, TEMPLATE } from '../../bench/harness/fixtures.js';
import { type OperatorProcess, startOperatorProcess } from '../../bench/harness/operator.js';
import { startSimulator } from '../../local/simulator/start.js';
import { API_VERSION } from '../../src/api/index.js';
import { makeApply } from '../../src/runtime/apply.js';
import { checkConverged, checkSafety, type Expected } from './invariants.js';
import { type Random, seededRandom } from './random.js';
import { readNamespaceState } from './state.js';
import { throughRestarts } from './transient.js';

export interface ChaosCluster {
  admin: KubeConfig;
  adminKubeconfigFile: string;
  /** The user bound to kubevdi:operator and nothing else. */
  operatorKubeconfigFile: string;
}

export interface SigkillOptions {
  namespace: string;
  seed: number;
  kills: number;
  pools: number;
  /** Largest size a pool is scaled to. */
  maxSize: number;
  /** How long the load runs before a kill, at most (ms); the moment is random below it. */
  maxRunMs: number;
  /** Limit for the invariants to hold after a restart (ms). */
  convergeTimeoutMs: number;
  log: (line: string) => void;
}

export interface SigkillResult {
  seed: number;
  kills: number;
  /** Claims created, claims deleted, pools scaled, by the load. */
  actions: { create: number; delete: number; scale: number };
  invariantChecks: number;
  violations: string[];
  /** Per kill: restart → every invariant holds (ms). */
  convergeMs: number[];
}

/** The operator's lease in the campaign: short, so a restart waits little for the dead one's lease. */
export const CHAOS_LEASE = ['--lease-duration', '4s'];

const CLAIMS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'desktopclaims' };
const POOLS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'virtualdesktoppools' };

export async function sigkillCampaign(cluster: ChaosCluster, o: SigkillOptions): Promise<SigkillResult> {
  const random = seededRandom(o.seed);
  const ns = o.namespace;
  await createNamespace(cluster.admin, ns);
  const sim = await startSimulator({
    kubeconfig: cluster.adminKubeconfigFile,
    namespace: ns,
    bootDelayMs: 50,
    stopDelayMs: 20,
    cloneDelayMs: 50,
  });
  const load = new Load(cluster.admin, ns, random, o.maxSize);
  const result: SigkillResult = {
    seed: o.seed,
    kills: 0,
    actions: load.counts,
    invariantChecks: 0,
    violations: [],
    convergeMs: [],
  };
  const start = () => startOperatorProcess(cluster.operatorKubeconfigFile, ns, { args: CHAOS_LEASE });
  let operator: OperatorProcess | undefined;
  try {
    operator = await start();
    await applyTemplate(cluster.admin, ns, true);
    for (let p = 0; p < o.pools; p++) await load.createPool(`p${p}`, random.int(1, o.maxSize));
    result.convergeMs.push(await converge(cluster, o, load, result, 'the start'));
    for (let kill = 1; kill <= o.kills; kill++) {
      const running = load.run();
      await sleep(random.int(100, o.maxRunMs));
      await operator.kill();
      result.kills++;
      const safety = checkSafety(await readNamespaceState(cluster.admin, ns));
      result.invariantChecks += safety.checks;
      result.violations.push(...safety.violations.map((v) => `right after kill ${kill}: ${v}`));
      // Sometimes people go on working while no operator runs.
      if (random.chance(0.5)) await sleep(random.int(50, 1000));
      await load.stop(running);
      operator = await start();
      const ms = await converge(cluster, o, load, result, `kill ${kill}`);
      result.convergeMs.push(ms);
      o.log(
        `kill ${kill}/${o.kills}: converged in ${ms} ms (${result.invariantChecks} checks, ${result.violations.length} violations so far)`,
      );
    }
  } catch (err) {
    throw new Error(`${String(err)}\nseed ${o.seed}\noperator log tail:\n${operator?.logTail() ?? ''}`);
  } finally {
    await operator?.stop();
    await sim.stop();
  }
  // The figure per kill, without the first (the pools being made).
  result.convergeMs.shift();
  return result;
}

/** Waits until every invariant holds; records the checks of the passing evaluation, or the violations at the limit. */
async function converge(
  cluster: ChaosCluster,
  o: SigkillOptions,
  load: Load,
  result: SigkillResult,
  after: string,
): Promise<number> {
  const verdict = await convergence(cluster.admin, o.namespace, load, o.convergeTimeoutMs, after);
  result.invariantChecks += verdict.checks;
  result.violations.push(...verdict.violations);
  return verdict.ms;
}

/**
 * Polls until every invariant holds for what `load` asked, or the limit passes; returns the time
 * it took, the checks of the last evaluation and (at the limit) its violations.
 */
export async function convergence(
  admin: KubeConfig,
  namespace: string,
  load: Load,
  timeoutMs: number,
  after: string,
): Promise<{ ms: number; checks: number; violations: string[] }> {
  const began = Date.now();
  for (;;) {
    const verdict = checkConverged(await throughRestarts(() => readNamespaceState(admin, namespace)), load.expected());
    const ms = Date.now() - began;
    if (verdict.violations.length === 0) return { ms, checks: verdict.checks, violations: [] };
    if (ms > timeoutMs)
      return {
        ms,
        checks: verdict.checks,
        violations: verdict.violations.map((v) => `not converged ${timeoutMs} ms after ${after}: ${v}`),
      };
    await sleep(250);
  }
}

/** People and administrators at work: claims made and deleted, pools scaled, at random. */
export class Load {
  readonly counts = { create: 0, delete: 0, scale: 0 };
  private readonly live = new Map<string, { pool: string; user: string }>();
  private readonly deleted = new Set<string>();
  private readonly sizes = new Map<string, number>();
  private serial = 0;
  private stopping = false;
  private readonly apply;
  private readonly custom;

  constructor(
    kc: KubeConfig,
    private readonly ns: string,
    private readonly random: Random,
    private readonly maxSize: number,
  ) {
    this.apply = makeApply(kc, 'kubevdi-chaos');
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  expected(): Expected {
    return { live: this.live, deleted: this.deleted, sizes: this.sizes };
  }

  async createPool(name: string, size: number): Promise<void> {
    this.sizes.set(name, size);
    await this.apply({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name, namespace: this.ns },
      spec: {
        templateRef: { name: TEMPLATE },
        size,
        prestarted: Math.min(1, size),
        assignment: 'Automatic',
        persistence: this.sizes.size % 2 ? 'Stateless' : 'Persistent',
      },
    });
  }

  /** A claim for a user of that pool who holds none there yet. */
  async createClaim(pool: string): Promise<string> {
    const busy = new Set([...this.live.values()].filter((c) => c.pool === pool).map((c) => c.user));
    const user = this.random.pick(
      Array.from({ length: this.maxSize + 2 }, (_, i) => `chaos-user-${i}`).filter((u) => !busy.has(u)),
    );
    const name = `c${++this.serial}`;
    // An apply cut by a restarting API server may or may not have been written: applied again.
    await throughRestarts(() =>
      this.apply({
        apiVersion: API_VERSION,
        kind: 'DesktopClaim',
        metadata: { name, namespace: this.ns },
        spec: { poolRef: { name: pool }, user },
      }),
    );
    this.live.set(name, { pool, user });
    this.counts.create++;
    return name;
  }

  /** Runs until stop(); resolves when the action in flight has ended. */
  run(): Promise<void> {
    this.stopping = false;
    const running = (async () => {
      while (!this.stopping) {
        await this.step();
        await sleep(this.random.int(20, 200));
      }
    })();
    running.catch(() => {}); // rethrown by stop()
    return running;
  }

  async stop(running: Promise<void>): Promise<void> {
    this.stopping = true;
    await running;
  }

  private claimsOf(pool: string): number {
    return [...this.live.values()].filter((c) => c.pool === pool).length;
  }

  private async step(): Promise<void> {
    const roll = this.random.next();
    const pools = [...this.sizes.keys()];
    if (roll < 0.45) {
      const open = pools.filter((p) => this.claimsOf(p) < (this.sizes.get(p) ?? 0));
      if (!open.length) return;
      // maxDesktopsPerUser is 1: a person asks again only once their claim in that pool is gone.
      await this.createClaim(this.random.pick(open));
    } else if (roll < 0.8) {
      const names = [...this.live.keys()];
      if (!names.length) return;
      const name = this.random.pick(names);
      await throughRestarts(() =>
        this.custom
          .deleteNamespacedCustomObject({ ...CLAIMS, namespace: this.ns, name })
          // Deleted by an attempt whose answer was cut: done.
          .catch((err: unknown) => {
            if (!(err instanceof ApiException && err.code === 404)) throw err;
          }),
      );
      this.live.delete(name);
      this.deleted.add(name);
      this.counts.delete++;
    } else {
      const pool = this.random.pick(pools);
      const size = this.random.int(Math.max(1, this.claimsOf(pool)), this.maxSize);
      await throughRestarts(() =>
        this.custom.patchNamespacedCustomObject(
          { ...POOLS, namespace: this.ns, name: pool, body: { spec: { size } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
      this.sizes.set(pool, size);
      this.counts.scale++;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
