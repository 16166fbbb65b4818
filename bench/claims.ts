// Issue 9, item 2 — getting a desktop: a warm pool (every desktop prestarted and ready), then
// many different users' claims created at once; for each, the time from its create to the claim
// being Bound with a ready desktop, as a watching client (a portal, kubectl -w) sees it.
//
// Baseline in the same run: the same number of claims created at once in a namespace no operator
// watches, timed from create to their first watch event — the API server's own floor for "write
// an object, see it change", which a Bound claim needs at least twice (the claim, its status).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startSimulator } from '../local/simulator/start.js';
import { RELEASE_FINALIZER } from '../src/api/finalizers.js';
import { API_VERSION } from '../src/api/index.js';
import { makeApiClient } from '../src/runtime/client.js';
import type { BenchCluster } from './harness/cluster.js';
import { applyPool, applyTemplate, createNamespace, PATHS, readPool } from './harness/fixtures.js';
import { startOperatorProcess } from './harness/operator.js';
import { type Distribution, distribution, ratio } from './harness/stats.js';
import { waitUntil } from './harness/wait.js';
import { watchCollection } from './harness/watch.js';

export const CLAIM_P99_TARGET_MS = 50;
const POOL = 'warm';
/** Short, so the warm pool is ready soon; nothing timed waits for a boot. */
const BOOT_DELAY_MS = 500;

export interface ClaimsResult {
  warmDesktops: number;
  claims: number;
  /** Each round's p99s (baseline first, then the operator), ms. */
  rounds: { rawP99: number; operatorP99: number }[];
  /** ms from create to Bound with a ready desktop, all rounds. */
  operator: Distribution;
  /** ms from create to the first watch event, no operator. */
  raw: Distribution;
  ratio: { p50: number; p99: number };
  target: { p99Ms: number };
}

export const isBoundAndReady = (c: Claim) => c.status?.phase === 'Bound' && c.status.desktop?.ready === true;

export interface Claim {
  metadata?: { name?: string };
  status?: { phase?: string; desktop?: { name?: string; ready?: boolean } };
}

export async function claims(
  cluster: BenchCluster,
  warm: number,
  count: number,
  rounds: number,
  log: (line: string) => void,
): Promise<ClaimsResult> {
  const namespace = 'bench-op-claims';
  await createNamespace(cluster.admin, namespace);
  const simulator = await startSimulator({
    kubeconfig: cluster.adminKubeconfigFile,
    namespace,
    finalizers: false,
    bootDelayMs: BOOT_DELAY_MS,
  });
  const operator = await startOperatorProcess(cluster.operatorKubeconfigFile, namespace).catch(async (err) => {
    await simulator.stop();
    throw err;
  });
  try {
    await applyTemplate(cluster.admin, namespace, true);
    await applyPool(cluster.admin, namespace, POOL, warm, warm);
    const rawTimes: number[] = [];
    const boundTimes: number[] = [];
    const perRound: ClaimsResult['rounds'] = [];
    // Rounds alternate baseline and operator, so a stall of the shared machine (seconds, at times)
    // lands on both rather than on one; all rounds' samples are pooled.
    for (let round = 0; round < rounds; round++) {
      await waitUntil(`${warm} prestarted desktops to be ready`, 300_000, async () => {
        const status = (await readPool(cluster.admin, namespace, POOL)).status;
        return status?.available === warm;
      });
      const raw = await claimTimes(cluster.admin, 'bench-raw-claims', count, () => true, { prefix: `r${round}` });
      const bound = await claimTimes(cluster.admin, namespace, count, isBoundAndReady, { prefix: `r${round}` });
      rawTimes.push(...raw);
      boundTimes.push(...bound);
      perRound.push({ rawP99: distribution(raw).p99, operatorP99: distribution(bound).p99 });
      log(`round ${round + 1}: raw p99 ${distribution(raw).p99} ms, operator ${JSON.stringify(distribution(bound))}`);
      // Logoff: the desktops go back (Stateless: remade), and the pool warms up for the next round.
      if (round + 1 < rounds) await deleteClaims(cluster.admin, namespace);
    }
    const raw = distribution(rawTimes);
    const bound = distribution(boundTimes);
    return {
      warmDesktops: warm,
      claims: count,
      rounds: perRound,
      operator: bound,
      raw,
      ratio: { p50: ratio(bound.p50, raw.p50), p99: ratio(bound.p99, raw.p99) },
      target: { p99Ms: CLAIM_P99_TARGET_MS },
    };
  } catch (err) {
    throw new Error(`${String(err)}\noperator log:\n${operator.logTail()}`);
  } finally {
    await operator.stop();
    await simulator.stop();
  }
}

/**
 * Creates `count` claims of different users at once, as the admin (who may claim for others), and
 * returns the distribution of ms from each one's create call to the first watch event where
 * `done` holds for it.
 */
export async function timeClaims(
  kc: KubeConfig,
  namespace: string,
  count: number,
  done: (claim: Claim) => boolean,
  options: ClaimOptions = {},
): Promise<Distribution> {
  return distribution(await claimTimes(kc, namespace, count, done, options));
}

interface ClaimOptions {
  pool?: string;
  prefix?: string;
  timeoutMs?: number;
  /**
   * Created as the portal creates claims, with the release finalizer on: by default everywhere
   * but the floor's namespaces (bench-raw-*), where no operator would ever take it off.
   */
  asThePortal?: boolean;
}

/** Deletes every claim of the namespace and waits until they are gone (finalizers done). */
async function deleteClaims(kc: KubeConfig, namespace: string): Promise<void> {
  const custom = makeApiClient(kc, CustomObjectsApi);
  const path = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'desktopclaims', namespace };
  await custom.deleteCollectionNamespacedCustomObject(path);
  await waitUntil('the claims to be gone', 120_000, async () => {
    const list = (await custom.listNamespacedCustomObject(path)) as { items: unknown[] };
    return list.items.length === 0;
  });
}

/** ms from each claim's create to the first watch event where `done` holds for it. */
async function claimTimes(
  kc: KubeConfig,
  namespace: string,
  count: number,
  done: (claim: Claim) => boolean,
  options: ClaimOptions = {},
): Promise<number[]> {
  const pool = options.pool ?? POOL;
  const prefix = options.prefix ?? 'claim';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const raw = namespace.startsWith('bench-raw');
  const finalizers = (options.asThePortal ?? !raw) ? [RELEASE_FINALIZER] : undefined;
  if (raw) await createNamespace(kc, namespace);
  const createdAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  let all!: () => void;
  const finished = new Promise<void>((r) => {
    all = r;
  });
  const trace = process.env.BENCH_TRACE ? new Map<string, string[]>() : undefined;
  const watcher = await watchCollection<Claim>(kc, PATHS.claims(namespace), (claim, _type, at) => {
    const name = claim.metadata?.name ?? '';
    const c = claim as Claim & { metadata?: { finalizers?: string[] } };
    trace?.set(name, [
      ...(trace.get(name) ?? []),
      `${(at - (createdAt.get(name) ?? at)).toFixed(0)}ms ${_type} fin=${c.metadata?.finalizers?.length ?? 0} ${c.status?.phase ?? '-'}`,
    ]);
    // Only this call's claims: the watch also lists those of earlier rounds in the namespace.
    if (!createdAt.has(name) || doneAt.has(name) || !done(claim)) return;
    doneAt.set(name, at);
    if (doneAt.size === count) all();
  });
  // Connections kept alive, as the operator's own client: the baseline is the API server's floor.
  const custom = makeApiClient(kc, CustomObjectsApi);
  try {
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const name = `${prefix}-${i}`;
        const body = {
          apiVersion: API_VERSION,
          kind: 'DesktopClaim',
          metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) },
          spec: { poolRef: { name: pool }, user: `${prefix}-user-${i}` },
        };
        createdAt.set(name, performance.now());
        await custom.createNamespacedCustomObject({
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: 'desktopclaims',
          namespace,
          body,
        });
      }),
    );
    await Promise.race([
      finished,
      watcher.ended,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`${doneAt.size} of ${count} claims done after ${timeoutMs / 1000} s`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
  } finally {
    watcher.stop();
    if (trace) for (const [name, events] of trace) process.stderr.write(`[trace] ${name}: ${events.join(' | ')}\n`);
  }
  return [...doneAt].map(([name, at]) => at - (createdAt.get(name) as number));
}
