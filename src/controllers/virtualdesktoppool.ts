// VirtualDesktopPool controller: makes a pool's VirtualMachines match its spec — `size` desktops
// named `<pool>-<index>`, the warm target of idle ones running (`prestarted`, or what the capacity
// schedule says now), new template revisions rolled out to idle desktops — and writes what it sees
// into status. Reconcile reads top to bottom: pool → desktops → intent (pool-intent.ts, by the
// clock) → template revision → plan (pool-plan.ts) → act → status (pool-status.ts,
// capacity-status.ts), written also when an act failed, before the failure goes for backoff. It
// requeues itself for the moment the schedule changes next, and for the next warm desktop to
// outlive its time-to-live: nothing polls.
import type {
  KubernetesObject,
  V1ControllerRevision,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1RoleBinding,
  V1Service,
} from '@kubernetes/client-node';
import { PROFILE_DISK_ANNOTATION, SPEC_HASH_ANNOTATION } from '../api/annotations.js';
import type { CapacityStatus, DailyPeak } from '../api/capacity.js';
import { desktopFacts } from '../api/desktop-facts.js';
import type { DesktopClaim } from '../api/desktopclaim.js';
import type { GrowthStatus } from '../api/growth.js';
import { LABELS, poolSelectorString } from '../api/labels.js';
import type { VirtualDesktopPool, VirtualDesktopPoolStatus } from '../api/virtualdesktoppool.js';
import { POOLS } from '../api/virtualdesktoppool.js';
import type { VMTemplate, VMTemplateSpec } from '../api/vmtemplate.js';
import { renderEntitlementBinding, renderEntitlementRole } from '../render/entitlements.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { desktopName, parseDesktopIndex } from '../render/names.js';
import { attachedProfileDisk } from '../render/profile-disk.js';
import { rdpNetworkPolicyName, renderRdpNetworkPolicy, renderRdpService } from '../render/rdp.js';
import { hashOf, specOfRevision } from '../render/revisions.js';
import { renderDesktop } from '../render/virtualmachine.js';
import type { Apply } from '../runtime/apply.js';
import { type Clock, systemClock } from '../runtime/clock.js';
import { setConditions } from '../runtime/conditions.js';
import { Controller, type Key, ownerKey, splitKey } from '../runtime/controller.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { inParallel } from '../runtime/parallel.js';
import type { WriteStatus } from '../runtime/status.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import type { PoolActions } from './actions.js';
import { heldPeak } from './capacity-peak.js';
import { capacityChange, capacityStatus } from './capacity-status.js';
import { type DesktopPlacement, type Instance, type Node, onMaintenanceChange } from './desktop-placement.js';
import { resetDesktops } from './desktop-reset.js';
import { type PoolIntent, poolIntent } from './pool-intent.js';
import { maintenanceMessage, moveFreeAndMigrate, type PoolMaintenance, poolMaintenance } from './pool-maintenance.js';
import { type DesktopState, type Plan, planPool } from './pool-plan.js';
import { countDesktops, type PoolSituation, poolConditions } from './pool-status.js';
import { dailyPeaksOf, poolUse } from './pool-use.js';
import { BY_TEMPLATE } from './vmtemplate.js';
import { warmAges } from './warm-ttl.js';

/** Index of desktops by `<namespace>/<pool>`. */
export const BY_POOL = 'pool';

/** At most this many desktops are created or removed in one pass (KubeVirt's pool caps it too). */
const MAX_CHANGES_PER_PASS = 500;

/** KubeVirt printable statuses that mean the desktop cannot come up without someone's help. */
const FAILED_STATUSES = new Set([
  'CrashLoopBackOff',
  'ErrorUnschedulable',
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrorPvcNotFound',
  'DataVolumeError',
]);

export interface PoolControllerDeps {
  pools: Informer<VirtualDesktopPool>;
  /** Claims, indexed BY_POOL: growth on demand counts those waiting for a desktop. */
  claims: Informer<DesktopClaim & KubernetesObject>;
  templates: Informer<VMTemplate>;
  revisions: Informer<V1ControllerRevision>;
  desktops: Informer<VirtualMachine>;
  /** kubevdi's RoleBindings, to tell whether the pool's entitlement is already as it should be. */
  roleBindings: Informer<V1RoleBinding>;
  /** kubevdi's Services (RDP), indexed BY_POOL. */
  services: Informer<V1Service>;
  /** kubevdi's NetworkPolicies (who may reach RDP), one per pool with rdp.enabled. */
  networkPolicies: Informer<V1NetworkPolicy>;
  /** Who may reach desktops' RDP port; undefined: no NetworkPolicies (operator.ts). */
  rdpAllowedFrom?: V1NetworkPolicyPeer[] | undefined;
  apply: Apply;
  /** Deletes (with the uid and resourceVersion the decision was made on) and resets in place. */
  actions: PoolActions;
  writeStatus: WriteStatus;
  recorder: Recorder;
  metrics: Metrics;
  log: Logger;
  /** What capacity schedules and warm time-to-lives go by; the system clock unless a test moves it. */
  clock?: Clock;
  /** Where desktops run (instances and nodes): desktops leave nodes in maintenance. */
  placement?: { instances: Informer<Instance>; nodes: Informer<Node>; where: DesktopPlacement };
}

/**
 * Per pool: the spec hash of each desktop as last rendered, by what it was rendered from. A pool
 * is reconciled on every change of any of its desktops (the simulator's or KubeVirt's status
 * writes, binds); rendering and hashing all N desktops each time made a pool of 1000 cost seconds
 * of CPU per wave of changes. Now a desktop is rendered only when it is written.
 */
type HashMemo = Map<string, Map<string, string>>;

/** What a pool's reconcile remembers from the last: desktops' spec hashes, and since when warm ones wait (warm-ttl.ts). */
interface PoolMemory {
  hashes: HashMemo;
  warmSince: Map<string, Map<string, number>>;
  /**
   * The capacity status last written, per pool: a reconcile that runs before the cache shows that
   * write must not tell of the same change again.
   */
  capacity: Map<string, CapacityStatus>;
  /** The growth status last written, per pool: since when a surplus waits, even before the cache shows it. */
  growth: Map<string, GrowthStatus>;
}

/**
 * A pool is reconciled at most this often. Its reconcile is O(desktops), and KubeVirt reports a
 * thousand new or booting desktops in a storm of status writes: back-to-back reconciles of a pool
 * of 1000 kept the operator's event loop 100 % busy for the whole storm, until its lease renewals
 * starved and it gave up leading (benchmarks, 2026-12-05). Nothing waits on a pool for a user.
 */
export const POOL_MIN_INTERVAL_MS = 250;

export function poolController(deps: PoolControllerDeps): Controller {
  const memory: PoolMemory = {
    hashes: new Map(),
    warmSince: new Map(),
    capacity: new Map(),
    growth: new Map(),
  };
  const controller = new Controller(
    { name: 'virtualdesktoppool', minIntervalMs: POOL_MIN_INTERVAL_MS, metrics: deps.metrics, log: deps.log },
    (key, log) => reconcile(deps, memory, key, log),
  )
    .forPrimary(deps.pools)
    .watches(deps.desktops, ownerKey('VirtualDesktopPool'))
    .watches(deps.roleBindings, ownerKey('VirtualDesktopPool'))
    .watches(deps.services, ownerKey('VirtualDesktopPool'))
    .watches(deps.networkPolicies, ownerKey('VirtualDesktopPool'))
    // Only a pool that grows on demand cares about claims before they are bound.
    .watches(deps.claims, (c) => {
      const namespace = c.metadata?.namespace as string;
      return deps.pools.get(namespace, c.spec.poolRef.name)?.spec.growth ? [`${namespace}/${c.spec.poolRef.name}`] : [];
    })
    .watches(deps.templates, (t) =>
      deps.pools
        .list(t.metadata.namespace)
        .filter((p) => p.spec.templateRef.name === t.metadata.name)
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
    )
    .watches(deps.revisions, (r) => {
      const template = r.metadata?.labels?.[LABELS.template];
      return deps.pools
        .list(r.metadata?.namespace)
        .filter((p) => p.spec.templateRef.name === template)
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    });
  if (deps.placement) {
    // An instance placed, migrated or stopped concerns its pool; a node's maintenance, every pool.
    controller.watches(deps.placement.instances, (vmi) => {
      const pool = vmi.metadata?.labels?.[LABELS.pool];
      return pool ? [`${vmi.metadata?.namespace}/${pool}`] : [];
    });
    onMaintenanceChange(deps.placement.nodes, () => {
      for (const p of deps.pools.list()) controller.enqueue(`${p.metadata.namespace}/${p.metadata.name}`);
    });
  }
  return controller;
}

/** How soon a pool with a desktop being reset looks again (KubeVirt remaking a disk is not watched). */
const RESET_RECHECK_MS = 2000;

async function reconcile(
  deps: PoolControllerDeps,
  memory: PoolMemory,
  key: Key,
  log: Logger,
): Promise<ReconcileResult | undefined> {
  const { namespace, name } = splitKey(key);
  const pool = deps.pools.get(namespace, name);
  if (!pool || pool.metadata.deletionTimestamp) {
    memory.hashes.delete(key);
    memory.warmSince.delete(key);
    memory.capacity.delete(key);
    memory.growth.delete(key);
    return; // owner references remove the desktops
  }

  const desktops = deps.desktops.byIndex(BY_POOL, key);
  const states = desktops.flatMap((vm) => desktopState(name, vm));
  const now = (deps.clock ?? systemClock).now();
  const dailyPeaks = dailyPeaksOf(pool, states, now);
  const intent = poolIntent(pool.spec, {
    now,
    heldPeak: dailyPeaks ? heldPeak(dailyPeaks) : 0,
    ...(pool.spec.growth
      ? {
          use: poolUse(deps.claims.byIndex(BY_POOL, key), states, desktops),
          previousGrowth: shownGrowth(memory, key, pool),
        }
      : {}),
  });
  const ages = warmAges(memory.warmSince.get(key), states, now, intent.warmTimeToLiveMinutes);
  memory.warmSince.set(key, ages.since);
  const target = resolveTarget(deps, pool);
  const plan =
    'blocked' in target || intent.paused
      ? undefined
      : planPool({
          ...intent,
          targetRevision: target.revision,
          desktops: states,
          expired: ages.expired,
          maxChangesPerPass: MAX_CHANGES_PER_PASS,
        });
  const acted = await act(deps, memory.hashes, pool, target, desktops, plan, log);
  const { resetting } = acted;
  let failure = acted.failure;
  // Nodes in maintenance: free desktops leave them within the budget, held ones migrate.
  const leaving =
    deps.placement && !intent.paused
      ? poolMaintenance(pool, desktops, deps.claims.byIndex(BY_POOL, key), deps.placement.where, now, intent.size)
      : undefined;
  if (leaving && !failure) {
    await moveFreeAndMigrate(deps, pool, desktops, leaving, log).catch((error: unknown) => {
      failure = { error };
    });
  }
  const shown = memory.capacity.get(key) ?? pool.status?.capacity;
  const capacity = await report(
    deps,
    pool,
    { intent, target, states, desktops, plan, failure, dailyPeaks, now, shown, leaving },
    log,
  );
  if (capacity) {
    memory.capacity.set(key, capacity);
    if (intent.growth) memory.growth.set(key, intent.growth.status);
    else memory.growth.delete(key);
  }
  // Told in the status; now to the work queue for a retry with backoff.
  if (failure) throw failure.error;
  // Time-based work: a desktop being reset, the schedule's next change, the next warm desktop to expire.
  const due = [
    resetting ? RESET_RECHECK_MS : undefined,
    intent.capacity.next ? intent.capacity.next.at.getTime() - now.getTime() : undefined,
    ages.nextExpiry ? ages.nextExpiry.getTime() - now.getTime() : undefined,
    intent.growth?.recheckAt ? intent.growth.recheckAt.getTime() - now.getTime() : undefined,
  ].filter((ms): ms is number => ms !== undefined);
  return due.length ? { requeueAfterMs: Math.max(0, Math.min(...due)) } : undefined;
}

/** Growth's status as this process last wrote it, or as the pool shows it. */
function shownGrowth(memory: PoolMemory, key: Key, pool: VirtualDesktopPool): GrowthStatus | undefined {
  return memory.growth.get(key) ?? pool.status?.growth;
}

/** The writes: entitlement, RDP Services, resets in place, then the plan. A failure is returned, not thrown. */
async function act(
  deps: PoolControllerDeps,
  memo: HashMemo,
  pool: VirtualDesktopPool,
  target: Target | { blocked: Blocked },
  desktops: readonly VirtualMachine[],
  plan: Plan | undefined,
  log: Logger,
): Promise<{ resetting: boolean; failure?: { error: unknown } }> {
  let resetting = false;
  try {
    await ensureEntitlement(deps, pool);
    await ensureRdpServices(deps, pool, desktops);
    await ensureRdpNetworkPolicy(deps, pool);
    resetting = await resetDesktops(deps.actions.reset, desktops, deps.recorder, pool, log);
    if (plan && !('blocked' in target)) await carryOut(deps, memo, pool, target, desktops, plan, log);
    return { resetting };
  } catch (error) {
    return { resetting, failure: { error } };
  }
}

interface Outcome {
  intent: PoolIntent;
  target: Target | { blocked: Blocked };
  states: readonly DesktopState[];
  desktops: readonly VirtualMachine[];
  plan: Plan | undefined;
  failure: { error: unknown } | undefined;
  dailyPeaks: DailyPeak[] | undefined;
  now: Date;
  /** The capacity status as last written or seen, to tell a change from it. */
  shown: CapacityStatus | undefined;
  /** Nodes in maintenance and what of the pool is left on them. */
  leaving: PoolMaintenance | undefined;
}

/**
 * The status, written whatever happened to the writes (a failure shows in it), and why the pool is
 * blocked. Returns the capacity status once it is written.
 */
async function report(
  deps: PoolControllerDeps,
  pool: VirtualDesktopPool,
  o: Outcome,
  log: Logger,
): Promise<CapacityStatus | undefined> {
  const { intent, target } = o;
  const blocked = 'blocked' in target ? target.blocked : undefined;
  const revision = 'blocked' in target ? pool.status?.templateRevision : target.revision;
  const situation: PoolSituation = {
    size: intent.size,
    ...(intent.growth ? { maxSize: pool.spec.size } : {}),
    prestarted: intent.prestarted,
    paused: intent.paused,
    counts: countDesktops(o.states, revision ?? 0),
    failing: failingDesktops(o.desktops),
    ...(intent.capacity.problem ? { scheduleProblem: intent.capacity.problem } : {}),
    ...(blocked ? { blocked } : { plan: o.plan }),
    ...(o.failure ? { failed: messageOf(o.failure.error) } : {}),
    ...(o.leaving
      ? {
          maintenance: {
            leaving: o.leaving.plan.progress.some((p) => p.remaining.length > 0),
            message: maintenanceMessage(o.leaving.plan),
          },
        }
      : {}),
  };
  const capacity = capacityStatus(pool.spec, intent.capacity, o.dailyPeaks);
  let written: CapacityStatus | undefined;
  try {
    await writePoolStatus(deps, pool, situation, revision, capacity, intent.growth?.status);
    written = capacity;
    // Once the status shows it, so a failed write does not tell of the same change twice.
    const change = capacityChange(o.shown, intent.capacity, pool.spec.capacity?.timeZone, o.now);
    if (change) deps.recorder.record(pool, 'Normal', change.reason, change.note);
  } catch (err) {
    if (!o.failure) throw err;
    log.warn({ err }, 'status not written either');
  }
  if (o.failure || !blocked) return written;
  if (!blocked.transient && degradedReason(pool) !== blocked.reason) {
    deps.recorder.record(pool, 'Warning', blocked.reason, blocked.message);
  }
  log.info(blocked, 'pool blocked');
  return written;
}

/** Desktops KubeVirt reports in a state they cannot leave without someone's help. */
function failingDesktops(desktops: readonly VirtualMachine[]): PoolSituation['failing'] {
  return desktops
    .map(desktopFacts)
    .filter((d) => FAILED_STATUSES.has(d.state ?? ''))
    .map((d) => ({ name: d.name, status: d.state as string }));
}

/** An error as one line for a condition's message: API errors carry their whole response otherwise. */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

type Blocked = NonNullable<PoolSituation['blocked']>;

interface Target {
  template: VMTemplate;
  revision: number;
  /** Spec of every revision we may render: the target and those idle or held desktops still use. */
  specs: Map<number, VMTemplateSpec>;
}

function resolveTarget(deps: PoolControllerDeps, pool: VirtualDesktopPool): Target | { blocked: Blocked } {
  const namespace = pool.metadata.namespace as string;
  const ref = pool.spec.templateRef;
  const template = deps.templates.get(namespace, ref.name);
  if (!template) {
    return {
      blocked: {
        reason: 'TemplateNotFound',
        message: `VMTemplate ${namespace}/${ref.name} does not exist; no desktops are created or changed`,
      },
    };
  }
  const ready = template.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || (ready.observedGeneration ?? 0) < (template.metadata.generation ?? 0)) {
    // The template controller has not looked at this spec yet: wait without alarming anyone.
    const message = `waiting for VMTemplate ${ref.name} to be checked`;
    return { blocked: { reason: 'WaitingForTemplate', message, transient: true } };
  }
  if (ready.status !== 'True') {
    return {
      blocked: {
        reason: 'TemplateNotReady',
        message: `VMTemplate ${ref.name} is not ready: ${ready.message}; no desktops are created or changed`,
      },
    };
  }
  const specs = new Map<number, VMTemplateSpec>();
  for (const revision of deps.revisions.byIndex(BY_TEMPLATE, `${namespace}/${ref.name}`)) {
    specs.set(revision.revision, specOfRevision(revision));
  }
  const revision = ref.revision ?? template.status?.revision;
  if (!revision || !specs.has(revision)) {
    return {
      blocked: {
        reason: 'RevisionNotFound',
        message: `revision ${revision ?? '(none)'} of VMTemplate ${ref.name} does not exist; revisions kept: ${[...specs.keys()].sort((a, b) => a - b).join(', ') || 'none'}`,
      },
    };
  }
  return { template, revision, specs };
}

function desktopState(pool: string, vm: VirtualMachine): DesktopState[] {
  const facts = desktopFacts(vm);
  const index = parseDesktopIndex(pool, facts.name);
  if (index === undefined) return []; // not one of ours by name: leave it alone
  const { name, revision, running, ready, deleting } = facts;
  return [{ name, index, revision, assigned: Boolean(facts.holder), running, ready, deleting }];
}

/** Turns the plan into writes: removals first (they free names and capacity), then creates and updates. */
async function carryOut(
  deps: PoolControllerDeps,
  memo: HashMemo,
  pool: VirtualDesktopPool,
  target: Target,
  desktops: readonly VirtualMachine[],
  plan: Plan,
  log: Logger,
): Promise<void> {
  const namespace = pool.metadata.namespace as string;
  const gone = [...plan.remove, ...plan.recreate];
  const seen = new Map(
    desktops.map((d) => [
      d.metadata?.name,
      { uid: d.metadata?.uid as string, resourceVersion: d.metadata?.resourceVersion },
    ]),
  );
  await inParallel(gone, async (name) => {
    const preconditions = seen.get(name);
    if (preconditions) await deps.actions.deleteDesktop(namespace, name, preconditions);
  });
  if (plan.remove.length) {
    deps.recorder.record(
      pool,
      'Normal',
      'ScaledDown',
      `Removed ${plan.remove.length} idle desktops: ${summarize(plan.remove)}`,
    );
  }
  const refreshed = new Set(plan.refresh);
  const updating = plan.recreate.filter((name) => !refreshed.has(name));
  if (updating.length) {
    deps.recorder.record(
      pool,
      'Normal',
      'DesktopsUpdating',
      `Recreating ${updating.length} idle desktops on template revision ${target.revision}: ${summarize(updating)}`,
    );
  }
  if (plan.refresh.length) {
    deps.recorder.record(
      pool,
      'Normal',
      'WarmDesktopsReplaced',
      `Replacing ${plan.refresh.length} warm desktops nobody claimed for ${pool.spec.capacity?.warmTimeToLiveMinutes} minutes with fresh ones: ${summarize(plan.refresh)}`,
    );
  }

  const wanted = desktopsToWrite(memo, pool, target, desktops, plan, gone);
  await inParallel(wanted, (make) => deps.apply(make()));
  const created = plan.create.map((i) => desktopName(pool.metadata.name as string, i));
  if (created.length) {
    deps.recorder.record(
      pool,
      'Normal',
      'DesktopsCreated',
      `Created ${created.length} desktops: ${summarize(created)}`,
    );
  }
  if (gone.length || wanted.length) {
    log.info(
      { created: created.length, removed: plan.remove.length, recreated: plan.recreate.length, applied: wanted.length },
      'desktops changed',
    );
  }
}

/**
 * The desktops to write in this pass, each rendered when it is written: the plan's new ones, and
 * those whose spec hash differs from what they should be now (a new revision in place, a change
 * of power, of the pool's spec). Remembers in `memo` what each desktop rendered to, so one that
 * has not changed is not rendered again on the next pass.
 */
function desktopsToWrite(
  memo: HashMemo,
  pool: VirtualDesktopPool,
  target: Target,
  desktops: readonly VirtualMachine[],
  plan: Plan,
  gone: readonly string[],
): (() => VirtualMachine)[] {
  // Rendered as they are written, not all before the first write: a pass of 500 creates starts
  // writing at once, and rendering shares the event loop with the writes in flight (and with the
  // lease renewals) instead of blocking it for the whole batch first.
  const wanted: (() => VirtualMachine)[] = [];
  for (const index of plan.create) {
    const running = plan.run.get(desktopName(pool.metadata.name as string, index)) ?? false;
    wanted.push(() => render(pool, target, target.revision, index, running));
  }
  const goneSet = new Set(gone);
  const namespace = pool.metadata.namespace as string;
  const inPlace = new Set(plan.updateInPlace);
  // What a desktop is rendered from, apart from its index and power: one fingerprint per revision.
  const fingerprints = new Map<number, string>();
  const fingerprint = (revision: number) => {
    let fp = fingerprints.get(revision);
    if (fp === undefined) {
      const { name: poolName, namespace: ns, uid } = pool.metadata;
      fp = hashOf(
        [poolName, ns, uid, pool.spec, target.template.metadata.name, revision, target.specs.get(revision)],
        16,
      );
      fingerprints.set(revision, fp);
    }
    return fp;
  };
  const known = memo.get(`${namespace}/${pool.metadata.name}`);
  const hashes = new Map<string, string>(); // this pass's: forgets desktops that are gone
  for (const vm of desktops) {
    const name = vm.metadata?.name as string;
    const index = parseDesktopIndex(pool.metadata.name as string, name);
    if (index === undefined || goneSet.has(name) || vm.metadata?.deletionTimestamp) continue;
    const facts = desktopFacts(vm);
    const own = facts.revision;
    const revision = inPlace.has(name) || own === undefined || !target.specs.has(own) ? target.revision : own;
    // A held desktop runs as its user left it; idle ones as the plan says.
    const running = plan.run.get(name) ?? facts.running;
    // The profile disk bound with it stays in its spec, once KubeVirt's addvolume has put it there
    // (never before: a spec change alone does not hot-plug it into the running desktop).
    const bound = vm.metadata?.annotations?.[PROFILE_DISK_ANNOTATION];
    const profile = bound && attachedProfileDisk(vm) === bound ? bound : undefined;
    const memoKey = `${fingerprint(revision)}/${index}/${running}/${profile ?? ''}`;
    let hash = known?.get(memoKey);
    let desired: VirtualMachine | undefined;
    if (hash === undefined) {
      desired = render(pool, target, revision, index, running, profile);
      hash = desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION] as string;
    }
    hashes.set(memoKey, hash);
    if (vm.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== hash) {
      const vm = desired;
      wanted.push(() => vm ?? render(pool, target, revision, index, running, profile));
    }
  }
  memo.set(`${namespace}/${pool.metadata.name}`, hashes);
  return wanted;
}

/** The pool's `access` as a Role and RoleBinding, written only when they differ from what exists. */
async function ensureEntitlement(deps: PoolControllerDeps, pool: VirtualDesktopPool): Promise<void> {
  const role = renderEntitlementRole(pool);
  const binding = renderEntitlementBinding(pool);
  const hash = hashOf([role, binding]);
  const existing = deps.roleBindings.get(pool.metadata.namespace as string, binding.metadata?.name as string);
  if (existing?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === hash) return;
  await deps.apply(stamped(role, hash));
  await deps.apply(stamped(binding, hash));
}

/** One RDP Service per desktop while the pool enables RDP; none otherwise. */
async function ensureRdpServices(
  deps: PoolControllerDeps,
  pool: VirtualDesktopPool,
  desktops: readonly VirtualMachine[],
): Promise<void> {
  const namespace = pool.metadata.namespace as string;
  const identity = { name: pool.metadata.name as string, namespace, uid: pool.metadata.uid as string };
  const wanted = pool.spec.rdp.enabled
    ? desktops.map((vm) => renderRdpService(identity, vm.metadata?.name as string))
    : [];
  const existing = deps.services.byIndex(BY_POOL, `${namespace}/${identity.name}`);
  const have = new Map(existing.map((svc) => [svc.metadata?.name, svc.metadata?.annotations?.[SPEC_HASH_ANNOTATION]]));
  const changed = wanted
    .map((svc) => stamped(svc, hashOf(svc)))
    .filter((svc) => have.get(svc.metadata?.name) !== svc.metadata?.annotations?.[SPEC_HASH_ANNOTATION]);
  await inParallel(changed, (svc) => deps.apply(svc));
  const keep = new Set(wanted.map((svc) => svc.metadata?.name));
  const extra = existing.filter((svc) => !keep.has(svc.metadata?.name)).map((svc) => svc.metadata?.name as string);
  await inParallel(extra, (name) => deps.actions.deleteService(namespace, name));
}

/** The pool's RDP NetworkPolicy while it enables RDP and the operator knows who may reach it; none otherwise. */
async function ensureRdpNetworkPolicy(deps: PoolControllerDeps, pool: VirtualDesktopPool): Promise<void> {
  const namespace = pool.metadata.namespace as string;
  const identity = { name: pool.metadata.name as string, namespace, uid: pool.metadata.uid as string };
  const name = rdpNetworkPolicyName(identity.name);
  const existing = deps.networkPolicies.get(namespace, name);
  if (!pool.spec.rdp.enabled || !deps.rdpAllowedFrom) {
    if (existing) await deps.actions.deleteNetworkPolicy(namespace, name);
    return;
  }
  const policy = renderRdpNetworkPolicy(identity, deps.rdpAllowedFrom);
  const hash = hashOf(policy);
  if (existing?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== hash) await deps.apply(stamped(policy, hash));
}

/** The object with a hash of what we render, so an unchanged one is never written again. */
function stamped<T extends KubernetesObject>(obj: T, hash: string): T {
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [SPEC_HASH_ANNOTATION]: hash } },
  };
}

/** The desktop's VirtualMachine, with a hash of itself so an unchanged desktop is never written. */
function render(
  pool: VirtualDesktopPool,
  target: Target,
  revision: number,
  index: number,
  running: boolean,
  profileDisk?: string,
): VirtualMachine {
  const vm = renderDesktop({
    pool,
    template: { name: target.template.metadata.name as string, spec: target.specs.get(revision) as VMTemplateSpec },
    revision,
    index,
    runStrategy: running ? 'Always' : 'Halted',
    profileDisk,
  });
  return stamped(vm, hashOf(vm));
}

async function writePoolStatus(
  deps: PoolControllerDeps,
  pool: VirtualDesktopPool,
  s: PoolSituation,
  revision: number | undefined,
  capacity: CapacityStatus,
  growth: GrowthStatus | undefined,
): Promise<void> {
  const status: VirtualDesktopPoolStatus = {
    observedGeneration: pool.metadata.generation,
    ...s.counts,
    templateRevision: revision,
    capacity,
    growth,
    selector: poolSelectorString(pool.metadata.name as string),
    conditions: setConditions(pool.status?.conditions, poolConditions(s), pool.metadata.generation),
  };
  await deps.writeStatus(POOLS, pool, status);
}

function degradedReason(pool: VirtualDesktopPool): string | undefined {
  return pool.status?.conditions?.find((c) => c.type === 'Degraded')?.reason;
}

function summarize(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
