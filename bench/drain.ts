// Issue 18, "Must show": draining a node that holds D desktops, H of them held by people, done two
// ways in one sitting, each in a namespace, simulator and node group of its own (3 nodes; every
// desktop starts on the first, the others join once they all run there):
//
// - kubevdi: the node is cordoned with a maintenance deadline an hour ahead (the annotation
//   `kubevdi.io/maintenance-deadline`, what an administrator sets for a planned upgrade). The
//   operator runs on its test clock, which stands at the real time until every desktop that can
//   leave has left and every person whose desktop cannot migrate has been told; then the
//   benchmark moves it to the deadline, so the hour of notice is not waited for in real time. The
//   time to empty is real seconds with that hour left out (reported on its own).
// - by hand: `kubectl drain` as it is run today — cordon, then evict every virt-launcher pod (the
//   simulator's `simulator.kubevdi.io/drain` taint stands for the evictions: KubeVirt migrates what
//   it can and shuts down the rest). kubevdi runs as deployed, so it sees the cordon too; the
//   evictions simply come first, as they do when a person drains a node by hand.
//
// The desktops are a realistic mix: all clone a golden image onto a disk of their own, most with
// CDI's default access mode (ReadWriteOnce on most storage: KubeVirt cannot migrate them), a share
// on ReadWriteMany storage (`rootDisk.accessMode`: migratable).
// Held desktops are spread over both in the same proportion. What is measured comes from watches
// (VMIs, claims, migrations), never from the operator's own account of itself.
import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { NODE_GROUP_LABEL, nodeManifest, SIMULATED_DRAIN_TAINT } from '../local/simulator/nodes.js';
import { type Simulator, startSimulator } from '../local/simulator/start.js';
import { API_VERSION } from '../src/api/index.js';
import { MAINTENANCE_DEADLINE_ANNOTATION } from '../src/api/node-maintenance.js';
import { makeApply } from '../src/runtime/apply.js';
import { makeApiClient } from '../src/runtime/client.js';
import { type Session, seeInstance, tally } from './drain/sessions.js';
import type { BenchCluster } from './harness/cluster.js';
import { createNamespace, FIELD_MANAGER, PATHS, TEMPLATE_SPEC } from './harness/fixtures.js';
import { type OperatorProcess, startOperatorProcess } from './harness/operator.js';
import { round } from './harness/stats.js';
import { waitUntil } from './harness/wait.js';
import { keptWatch } from './harness/watch.js';
import { clockFile } from './monday/clock.js';

export interface DrainSizes {
  /** Desktops on the node drained, all running. */
  desktops: number;
  /** Of them, held by a person (a Bound claim). */
  held: number;
  /** Percent of the desktops (and of the held ones) that can migrate live. */
  migratablePercent: number;
  /** Nodes in all, the drained one included. */
  nodes: number;
  /** The simulator's boot delay (real ms): what a desktop made afresh elsewhere waits for. */
  bootDelayMs: number;
}

export type DrainWay = 'kubevdi' | 'by-hand';

export interface DrainRun {
  way: DrainWay;
  /** Real seconds from the cordon (or drain) until no instance runs on the node; kubevdi's without the notice. */
  secondsToEmpty: number;
  /** kubevdi: real seconds until only desktops waiting for their deadline were left, every holder told. */
  secondsUntilOnlyCountdowns?: number;
  /** kubevdi: the notice held desktops that cannot migrate got (operator's clock, minutes), skipped in real time. */
  noticeMinutes?: number;
  /** Real seconds until every desktop was ready again and every held claim Bound to a ready desktop. */
  secondsUntilAllReady: number;
  free: number;
  held: number;
  /** Held desktops that went on on another node: the same instance (uid), so the same session. */
  migratedLive: number;
  /** People whose claim showed a countdown (pendingAction, reason Maintenance). */
  sawCountdown: number;
  /** Held desktops restarted at or after the time their holder was told. */
  restartedAfterCountdown: number;
  /** Held desktops whose session ended without a countdown, or before the time it said: lost work. */
  sessionsLost: number;
  /** Claims still Bound to the same desktop at the end. */
  claimsKept: number;
  migrations: { succeeded: number; failed: number };
}

export interface DrainResult {
  sizes: DrainSizes;
  /** Desktops of each kind, for the report. */
  mix: { readWriteOnce: number; migratable: number; heldReadWriteOnce: number; heldMigratable: number };
  runs: DrainRun[];
}

const NOTICE_MINUTES = 60;
const GOLDEN = 'golden';
const MINUTE_MS = 60_000;

type Obj = KubernetesObject;
interface Vmi extends Obj {
  status?: { phase?: string; nodeName?: string };
}
interface Claim extends Obj {
  spec?: { user?: string };
  status?: {
    phase?: string;
    desktop?: { name?: string; ready?: boolean };
    pendingAction?: { reason?: string; deadline?: string };
  };
}
interface Migration extends Obj {
  status?: { phase?: string };
}
interface Pool extends Obj {
  spec?: { size?: number };
  status?: { ready?: number };
}

export async function drain(
  cluster: BenchCluster,
  sizes: DrainSizes,
  log: (line: string) => void,
): Promise<DrainResult> {
  const migratable = Math.round((sizes.desktops * sizes.migratablePercent) / 100);
  const heldMigratable = Math.round((sizes.held * sizes.migratablePercent) / 100);
  const mix = {
    readWriteOnce: sizes.desktops - migratable,
    migratable,
    heldReadWriteOnce: sizes.held - heldMigratable,
    heldMigratable,
  };
  if (mix.heldReadWriteOnce > mix.readWriteOnce || heldMigratable > migratable)
    throw new Error(`drain: ${sizes.held} held do not fit ${sizes.desktops} desktops`);
  const runs: DrainRun[] = [];
  for (const way of ['kubevdi', 'by-hand'] as const) {
    const run = await oneDrain(cluster, sizes, mix, way, log);
    log(`drain ${way}: ${JSON.stringify(run)}`);
    runs.push(run);
  }
  return { sizes, mix, runs };
}

/** The pools: clones of a golden image, with the default access mode and with ReadWriteMany. */
const POOLS = [
  { name: 'rwo', template: 'rwo', migratable: false },
  { name: 'rwx', template: 'rwx', migratable: true },
] as const;

async function oneDrain(
  cluster: BenchCluster,
  sizes: DrainSizes,
  mix: DrainResult['mix'],
  way: DrainWay,
  log: (line: string) => void,
): Promise<DrainRun> {
  const kc = cluster.admin;
  const namespace = `bench-drain-${way}`;
  const group = namespace;
  const core = makeApiClient(kc, CoreV1Api);
  await createNamespace(kc, namespace);
  // Nodes are cluster-scoped: a run stopped half-way may have left its group's behind.
  await core.deleteCollectionNode({ labelSelector: `${NODE_GROUP_LABEL}=${group}` });
  const clock = await clockFile();
  await clock.setMs(Date.now());
  let simulator: Simulator | undefined;
  let operator: OperatorProcess | undefined;
  const watches: { stop(): void }[] = [];
  try {
    // One node first, so every desktop starts there; the others join once they all run.
    simulator = await startSimulator({
      kubeconfig: cluster.adminKubeconfigFile,
      namespace,
      finalizers: false,
      nodes: 1,
      nodeGroup: group,
      bootDelayMs: sizes.bootDelayMs,
      cloneDelayMs: 100,
      stopDelayMs: 100,
      screens: 'synthetic',
    });
    operator = await startOperatorProcess(cluster.operatorKubeconfigFile, namespace, {
      args: ['--test-clock-file', clock.file, '--lease-duration', '60s'],
    });
    const leading = operator;
    // A wait the operator must end: given up at once when it no longer leads (it ended, or lost its
    // lease on an overloaded machine), rather than after minutes of waiting for what it will not do.
    const until = (what: string, timeoutMs: number, check: () => Promise<boolean>) =>
      whileLeading(leading, waitUntil(what, timeoutMs, check));
    const node = `${group}-1`;
    const sizesOf = { rwo: mix.readWriteOnce, rwx: mix.migratable };
    await setUp(kc, namespace, sizesOf);
    log(`drain ${way}: setting up ${sizes.desktops} desktops on ${node}`);
    const vmis = new Map<string, Vmi>();
    const claims = new Map<string, Claim>();
    const migrations = new Map<string, Migration>();
    const pools = new Map<string, Pool>();
    // Held desktops: what happened to each session, as the watches saw it.
    const sessions = new Map<string, Session>();
    let deadlinePassedAt = Number.POSITIVE_INFINITY;
    const onVmi = (vmi: Vmi, type: string, at: number) => {
      const name = vmi.metadata?.name as string;
      if (type === 'DELETED') vmis.delete(name);
      else vmis.set(name, vmi);
      const session = sessions.get(name);
      if (!session) return;
      const gone = type === 'DELETED' || isFinal(vmi) || Boolean(vmi.metadata?.deletionTimestamp);
      seeInstance(session, { uid: vmi.metadata?.uid, node: vmi.status?.nodeName, gone }, node, at, deadlinePassedAt);
    };
    const onClaim = (claim: Claim, type: string, at: number) => {
      const name = claim.metadata?.name as string;
      if (type === 'DELETED') claims.delete(name);
      else claims.set(name, claim);
      const desktop = claim.status?.desktop?.name;
      const session = desktop ? sessions.get(desktop) : undefined;
      if (session?.claim === name && claim.status?.pendingAction?.reason === 'Maintenance') session.countdownAt ??= at;
    };
    watches.push(
      await keptWatch<Vmi>(kc, `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances`, onVmi),
    );
    watches.push(await keptWatch<Claim>(kc, PATHS.claims(namespace), onClaim));
    watches.push(
      await keptWatch<Migration>(
        kc,
        `/apis/kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstancemigrations`,
        (m, type) => {
          if (type === 'DELETED') migrations.delete(m.metadata?.name as string);
          else migrations.set(m.metadata?.name as string, m);
        },
      ),
    );
    watches.push(await keptWatch<Pool>(kc, PATHS.pools(namespace), (p) => pools.set(p.metadata?.name as string, p)));
    const running = () => [...vmis.values()].filter((v) => v.status?.phase === 'Running' && !isFinal(v));
    await until(`${sizes.desktops} desktops running on ${node}`, 15 * MINUTE_MS, async () => {
      return (
        running().filter((v) => v.status?.nodeName === node).length === sizes.desktops &&
        POOLS.every((p) => pools.get(p.name)?.status?.ready === sizesOf[p.name])
      );
    });
    // The people: held desktops spread over both pools in the same proportion.
    const apply = makeApply(kc, FIELD_MANAGER);
    const holders = [
      ...Array.from({ length: mix.heldReadWriteOnce }, () => 'rwo'),
      ...Array.from({ length: mix.heldMigratable }, () => 'rwx'),
    ];
    await Promise.all(
      holders.map((pool, i) =>
        apply({
          apiVersion: API_VERSION,
          kind: 'DesktopClaim',
          metadata: { name: `person-${String(i).padStart(4, '0')}`, namespace },
          spec: { poolRef: { name: pool }, user: `person-${String(i).padStart(4, '0')}` },
        }),
      ),
    );
    const boundReady = () =>
      [...claims.values()].filter((c) => c.status?.phase === 'Bound' && c.status.desktop?.ready === true);
    await until(`${holders.length} claims Bound to a ready desktop`, 10 * MINUTE_MS, async () => {
      return boundReady().length === holders.length;
    });
    // The other nodes join (kubelets registering): empty, ready for what leaves the first.
    for (let n = 2; n <= sizes.nodes; n++) await core.createNode({ body: nodeManifest(`${group}-${n}`, group) });
    await waitUntil('the new nodes to be ready (no not-ready taint)', MINUTE_MS, async () => {
      const list = await core.listNode({ labelSelector: `${NODE_GROUP_LABEL}=${group}` });
      return list.items.length === sizes.nodes && list.items.every((n) => (n.spec?.taints ?? []).length === 0);
    });
    for (const c of boundReady()) {
      const desktop = c.status?.desktop?.name as string;
      sessions.set(desktop, { claim: c.metadata?.name as string, uid: vmis.get(desktop)?.metadata?.uid as string });
    }
    const free = sizes.desktops - sessions.size;

    // Go.
    const started = performance.now();
    const deadlineMs = Date.now() + NOTICE_MINUTES * MINUTE_MS;
    await core.patchNode(
      {
        name: node,
        body:
          way === 'kubevdi'
            ? {
                metadata: { annotations: { [MAINTENANCE_DEADLINE_ANNOTATION]: new Date(deadlineMs).toISOString() } },
                spec: { unschedulable: true },
              }
            : { spec: { unschedulable: true, taints: [{ key: SIMULATED_DRAIN_TAINT, effect: 'NoSchedule' }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    log(`drain ${way}: ${node} ${way === 'kubevdi' ? 'cordoned, deadline in an hour' : 'drained'}`);
    const onNode = () => [...vmis.values()].filter((v) => v.status?.nodeName === node && !isFinal(v));
    let untilCountdowns: number | undefined;
    if (way === 'kubevdi') {
      // Everything that can leave has left; what is left waits for its deadline, its holder told.
      await until('only desktops whose holders were told to be left on the node', 15 * MINUTE_MS, async () => {
        const left = onNode();
        return left.every((v) => {
          const s = sessions.get(v.metadata?.name as string);
          return s?.countdownAt !== undefined && s.endedAt === undefined;
        });
      });
      untilCountdowns = (performance.now() - started) / 1000;
      log(`drain ${way}: after ${round(untilCountdowns, 1)} s only countdowns are left: ${onNode().length}`);
      deadlinePassedAt = performance.now();
      await clock.setMs(deadlineMs + 1000);
    }
    await until(`no instance on ${node}`, 15 * MINUTE_MS, async () => onNode().length === 0);
    const emptyAt = performance.now();
    // kubevdi's hour of notice was skipped by moving its clock: what is left is real time.
    const secondsToEmpty = (emptyAt - started) / 1000;
    await until('every desktop ready again, every claim Bound to a ready desktop', 15 * MINUTE_MS, async () => {
      return (
        POOLS.every((p) => pools.get(p.name)?.status?.ready === sizesOf[p.name]) &&
        boundReady().length === holders.length
      );
    });
    const allReady = performance.now();
    const kept = [...sessions].filter(([desktop, s]) => claims.get(s.claim)?.status?.desktop?.name === desktop).length;
    const seen = tally(sessions.values());
    const final = [...migrations.values()];
    return {
      way,
      secondsToEmpty: round(secondsToEmpty, 1),
      ...(untilCountdowns !== undefined
        ? { secondsUntilOnlyCountdowns: round(untilCountdowns, 1), noticeMinutes: NOTICE_MINUTES }
        : {}),
      secondsUntilAllReady: round((allReady - started) / 1000, 1),
      free,
      held: sessions.size,
      migratedLive: seen.migratedLive,
      sawCountdown: seen.sawCountdown,
      restartedAfterCountdown: seen.restartedAfterCountdown,
      sessionsLost: seen.lost,
      claimsKept: kept,
      migrations: {
        succeeded: final.filter((m) => m.status?.phase === 'Succeeded').length,
        failed: final.filter((m) => m.status?.phase === 'Failed').length,
      },
    };
  } catch (err) {
    throw new Error(`drain ${way}: ${String(err)}\noperator log:\n${operator?.logTail() ?? ''}`);
  } finally {
    for (const w of watches) w.stop();
    await operator?.stop();
    await simulator?.stop();
    await clock.remove();
    await core.deleteCollectionNode({ labelSelector: `${NODE_GROUP_LABEL}=${group}` });
  }
}

async function whileLeading<T>(operator: OperatorProcess, wait: Promise<T>): Promise<T> {
  let done = false;
  const lost = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, 2000));
      if (done) break;
      const leads = await operator.isLeader().catch((err: unknown) => {
        throw new Error(`the operator stopped: ${String(err).split('\n')[0]}`);
      });
      if (!leads) throw new Error('the operator no longer leads (its lease was lost)');
    }
  })();
  lost.catch(() => {});
  try {
    return await Promise.race([wait, lost.then(() => wait)]);
  } finally {
    done = true;
  }
}

function isFinal(vmi: Vmi): boolean {
  return vmi.status?.phase === 'Succeeded' || vmi.status?.phase === 'Failed';
}

async function setUp(kc: KubeConfig, namespace: string, sizes: { rwo: number; rwx: number }): Promise<void> {
  const apply = makeApply(kc, FIELD_MANAGER);
  await apply({
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataSource',
    metadata: { name: GOLDEN, namespace },
    spec: { source: { pvc: { name: 'golden-image', namespace } } },
  });
  // Both clone the golden image onto a disk of their own: with CDI's default access mode
  // (ReadWriteOnce on most storage: KubeVirt cannot migrate it), and on ReadWriteMany storage.
  for (const [name, accessMode] of [
    ['rwo', undefined],
    ['rwx', 'ReadWriteMany'],
  ] as const) {
    await apply({
      apiVersion: API_VERSION,
      kind: 'VMTemplate',
      metadata: { name, namespace },
      spec: {
        ...TEMPLATE_SPEC,
        rootDisk: { source: { dataSource: { name: GOLDEN } }, size: '20Gi', ...(accessMode && { accessMode }) },
      },
    });
  }
  for (const p of POOLS) {
    await apply({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name: p.name, namespace },
      spec: {
        templateRef: { name: p.template },
        size: sizes[p.name],
        prestarted: sizes[p.name],
        assignment: 'Automatic',
        persistence: 'Stateless',
        session: { idle: { action: 'None' } },
        maintenance: { noticeMinutes: NOTICE_MINUTES },
      },
    });
  }
}
