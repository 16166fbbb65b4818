// DesktopClaim controller: a user's logon and logoff. Keyed by *pool*, so all claims of one pool
// are decided together and never by two workers at once; the binding itself is a patch of the
// desktop with a resourceVersion precondition, so a plan made from a stale cache (or by a replica
// that lost its lease a moment ago) fails with 409 instead of binding a desktop twice.
// It also ends claims by the pool's session policies (logoff, idle) from the `status.session`
// the session controller writes: such a claim stays, phase Released, as the record of why.
// Claims beyond what their person may hold, and claims whose pool was deleted under them, end
// Failed (terminal, no grant; see claim-limits.ts for which claims count).
// What a claim's status says is decided in claim-status.ts, its grant in claim-grant.ts, which
// desktop it gets in claim-plan.ts; this module reads the caches and carries the decisions out.
// Reconcile reads top to bottom: finalizers (alongside the rest) → releases → limits → plan → bind
// → policies → grants → status; a new bind's grant and status are written in its follow-up
// (claim-follow-ups.ts) while the next pass goes on. A step that fails does not stop the others:
// every claim whose status can be decided gets it written, and the first failure is thrown at the
// end for the work queue's backoff.
import type { KubernetesObject } from '@kubernetes/client-node';
import { PROFILE_DISK_ANNOTATION } from '../api/annotations.js';
import { desktopFacts } from '../api/desktop-facts.js';
import { CLAIMS } from '../api/desktopclaim.js';
import { RELEASE_FINALIZER } from '../api/finalizers.js';
import { LABELS } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { parseDesktopIndex } from '../render/names.js';
import { attachedProfileDisk } from '../render/profile-disk.js';
import { unlessChanged } from '../runtime/api-errors.js';
import { isoSeconds } from '../runtime/conditions.js';
import { Controller, type Key, ownerKey, splitKey } from '../runtime/controller.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { inParallel } from '../runtime/parallel.js';
import type { WriteStatus } from '../runtime/status.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import { windowAt } from './capacity-schedule.js';
import { FollowUps } from './claim-follow-ups.js';
import {
  bind,
  type Claim,
  cachedGrant,
  type Desktop,
  type Expectations,
  ensureGrant,
  giveBack,
  type HandoverDeps,
  now,
  powerOff,
  release,
  removeGrant,
  returnDesktop,
  uidOf,
} from './claim-handover.js';
import { claimsOverLimit } from './claim-limits.js';
import { type ClaimDecision, type ClaimState, planClaims, type SeatState } from './claim-plan.js';
import {
  boundStatus,
  type ClaimStatusUpdate,
  claimStatus,
  type FailedWhy,
  failedStatus,
  pendingStatus,
  releasedStatus,
} from './claim-status.js';
import { ClaimsAsWritten } from './claims-as-written.js';
import { KeptClaims, keptSignature } from './claims-kept.js';
import { type DesktopPlacement, type Instance, type Node, onMaintenanceChange } from './desktop-placement.js';
import { bindingsToConfirm, isOrphaned } from './orphaned-bindings.js';
import { type PoolMaintenance, poolMaintenance } from './pool-maintenance.js';
import {
  attachProfileDisk,
  ensureProfileDisk,
  PROFILE_DISK_BUSY_RECHECK_MS,
  ProfileDiskBusy,
  ProfileDiskRefused,
  profileAnnotation,
  profileDiskStatus,
} from './profile-disks.js';
import { type PendingAction, sessionVerdict } from './session-policy.js';
import { BY_POOL } from './virtualdesktoppool.js';

/**
 * Claims of one pool worked on at once in a reconcile (each: bind, grant, status). A logon storm
 * is the case that matters: 50 claims at once should cost about one claim's round trips, not 50.
 */
export const CLAIM_CONCURRENCY = 64;
type Pool = VirtualDesktopPool & KubernetesObject;
/** After a write refused for a stale read: long enough for the caches to show what changed. */
const CONFLICT_RECHECK_MS = 100;

/**
 * What a reconcile works with: the controller's dependencies, the claims as it wrote them, and
 * which bound claims' grant and status it made right from what (claims-kept.ts).
 */
type ClaimPassDeps = ClaimControllerDeps & { asWritten: ClaimsAsWritten; kept: KeptClaims };

export interface ClaimControllerDeps extends HandoverDeps {
  claims: Informer<Claim>;
  pools: Informer<Pool>;
  desktops: Informer<Desktop>;
  /** Where desktops run (instances and nodes): none on a node in maintenance is handed out. */
  placement?: { instances: Informer<Instance>; nodes: Informer<Node>; where: DesktopPlacement };
  writeStatus: WriteStatus;
  metrics: Metrics;
  log: Logger;
}

export function claimController(deps: ClaimControllerDeps): Controller {
  const byPoolLabel = (obj: KubernetesObject) => {
    const pool = obj.metadata?.labels?.[LABELS.pool];
    return pool ? [`${obj.metadata?.namespace}/${pool}`] : [];
  };
  const poolKey = (p: Pool) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  // A claim's follow-up (its grant and status after the bind) ends: its pool is looked at again.
  let followUpEnded = (_key: Key) => {};
  const controller = new Controller(
    { name: 'desktopclaim', metrics: deps.metrics, log: deps.log },
    claimReconciler(deps, (key) => followUpEnded(key)),
  )
    .watches(deps.pools, (p) => [poolKey(p)])
    .watches(deps.claims, (c) => [`${c.metadata?.namespace}/${c.spec.poolRef.name}`])
    .watches(deps.desktops, ownerKey('VirtualDesktopPool'))
    .watches(deps.roles, byPoolLabel)
    .watches(deps.roleBindings, byPoolLabel);
  followUpEnded = (key) => controller.enqueue(key);
  if (deps.placement) {
    // An instance placed or moved concerns its pool; a node's maintenance, every pool.
    controller.watches(deps.placement.instances, byPoolLabel);
    onMaintenanceChange(deps.placement.nodes, () => {
      for (const pool of deps.pools.list()) controller.enqueue(poolKey(pool));
    });
  }
  return controller;
}

/**
 * The reconcile of one pool's claims, with this process's expectations (what it did that its
 * caches may not show yet). Exported for tests that drive it with a cache of their own making.
 */
export function claimReconciler(
  deps: ClaimControllerDeps,
  followUpEnded?: (key: Key) => void,
): (key: Key, log: Logger) => Promise<ReconcileResult | undefined> {
  const expected: Expectations = {
    binds: new Map(),
    released: new Set(),
    finalized: new Set(),
    gone: new Set(),
    failed: new Set(),
  };
  const followUps = new FollowUps(followUpEnded);
  const own: ClaimPassDeps = { ...deps, asWritten: new ClaimsAsWritten(), kept: new KeptClaims() };
  return (key, log) => reconcile(own, expected, followUps, key, log);
}

/** What a reconcile learns on its way: conflicts to decide again, when to look again, its first failure. */
class Outcome {
  private conflicts = 0;
  private recheckInMs: number | undefined;
  private failure: { error: unknown } | undefined;

  /** Someone changed a desktop or claim between our read and our write. */
  conflict(): void {
    this.conflicts++;
  }

  /** A logoff grace period or an idle timeout runs out this long from now. */
  recheck(ms: number): void {
    this.recheckInMs = Math.min(this.recheckInMs ?? Number.POSITIVE_INFINITY, ms);
  }

  failed(error: unknown): void {
    this.failure ??= { error };
  }

  /** Runs one step; a failure is kept (the first one counts) and the reconcile goes on with the next step. */
  async attempt(step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.failed(err);
    }
  }

  /** The reconcile's answer: its first failure thrown, for backoff; or when to look again. */
  result(): ReconcileResult | undefined {
    if (this.failure) throw this.failure.error;
    // Someone changed a desktop between our read and our write: decide again with fresh data.
    if (this.conflicts) return { requeueAfterMs: CONFLICT_RECHECK_MS };
    // A logoff grace period or an idle timeout runs out: act then (a second late rather than early).
    return this.recheckInMs !== undefined ? { requeueAfterMs: this.recheckInMs + 1000 } : undefined;
  }
}

/** One reconcile of a pool's claims: what the caches show, read once, and what the pass learns. */
interface Pass {
  key: Key;
  namespace: string;
  poolName: string;
  /** Oldest first: the first to ask is the first served. */
  claims: Claim[];
  pool: Pool | undefined;
  desktops: Desktop[];
  /** Failed for good (terminal): no grant, never bound. */
  isFailed(claim: Claim): boolean;
  /** Ended by a session policy: keeps no desktop and gets none. */
  isReleased(claim: Claim): boolean;
  /** Neither deleted, released nor failed. */
  live(claim: Claim): boolean;
  /** Binds' follow-ups under way: a claim's grant and status are theirs until they end. */
  followUps: FollowUps;
  outcome: Outcome;
}

async function reconcile(
  deps: ClaimPassDeps,
  expected: Expectations,
  followUps: FollowUps,
  key: Key,
  log: Logger,
): Promise<ReconcileResult | undefined> {
  const pass = readPass(deps, expected, followUps, key);
  if (!pass) return;
  // A follow-up of an earlier pass failed: this pass tries again, and fails for the backoff.
  const failedFollowUp = followUps.takeFailure(key);
  if (failedFollowUp) pass.outcome.failed(failedFollowUp.error);
  await giveBackOrphans(deps, expected, pass, log);
  // Alongside the rest of the pass, not before it: at a logon the finalizer and the bind are one
  // round trip instead of two. A claim deleted before its finalizer landed is gone at once; the
  // desktop bound to it meanwhile is an orphan, given back as any other (giveBackOrphans), and its
  // grant, owned by the claim, goes with it.
  const finalizing = ensureFinalizers(deps, pass);
  await releaseDeleted(deps, expected, pass, log);
  await giveBackReleased(deps, expected, pass, log);
  await dropGrantsOfFailed(deps, pass);
  if (!pass.pool) {
    await waitForPool(deps, expected, pass);
    await finalizing;
    return pass.outcome.result();
  }
  const seats = seatsOf(expected, pass, pass.pool, deps.placement?.where);
  await failOverLimit(deps, expected, pass, pass.pool, seats);
  const decisions = planClaims({
    claims: pass.claims.filter((c) => !pass.isFailed(c)).map((c) => claimState(c, pass.isReleased(c))),
    desktops: seats,
    maxDesktopsPerUser: pass.pool.spec.maxDesktopsPerUser,
  });
  await carryOut(deps, expected, pass, pass.pool, decisions, log);
  await finalizing;
  forgetSettled(expected, deps.kept, pass.claims, pass.desktops);
  return pass.outcome.result();
}

function readPass(deps: ClaimPassDeps, expected: Expectations, followUps: FollowUps, key: Key): Pass | undefined {
  const { namespace, name: poolName } = splitKey(key);
  const claims = deps.claims
    .byIndex(BY_POOL, key)
    .map((c) => deps.asWritten.view(c))
    .sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const desktops = deps.desktops.byIndex(BY_POOL, key);
  // No claims: nothing to do but free a desktop still bound to a claim that is gone.
  if (claims.length === 0 && !desktops.some((d) => desktopFacts(d).claimUid)) return;
  // Read through `expected` at each call: the releases of this pass change what it says.
  const isFailed = (c: Claim) => expected.failed.has(uidOf(c)) || c.status?.phase === 'Failed';
  const isReleased = (c: Claim) => expected.released.has(uidOf(c)) || releasedCondition(c) !== undefined;
  return {
    key,
    namespace,
    poolName,
    claims,
    pool: deps.pools.get(namespace, poolName),
    desktops,
    isFailed,
    isReleased,
    live: (c) => !c.metadata?.deletionTimestamp && !isReleased(c) && !isFailed(c),
    followUps,
    outcome: new Outcome(),
  };
}

/** Desktops bound to a claim that is gone (orphaned-bindings.ts): given back once a live read confirms it. */
async function giveBackOrphans(deps: ClaimPassDeps, expected: Expectations, pass: Pass, log: Logger) {
  const pool = pass.pool;
  if (!pool) return;
  const known = new Set(pass.claims.map(uidOf));
  for (const orphan of bindingsToConfirm(pass.desktops, known, new Set(expected.binds.keys()), expected.gone)) {
    await pass.outcome.attempt(async () => {
      const liveUid = orphan.claim ? await deps.actions.liveClaimUid(pass.namespace, orphan.claim) : undefined;
      if (!isOrphaned(orphan, liveUid)) return;
      const returned = await returnDesktop(deps, expected, pool, orphan.desktop, orphan.holder);
      if (returned === 'changed') return pass.outcome.conflict();
      if (returned === 'already') return;
      const desktop = orphan.desktop.metadata?.name;
      deps.recorder.record(
        pool,
        'Warning',
        'OrphanedDesktopReleased',
        `Desktop ${desktop} was still bound to claim ${orphan.claim ?? orphan.claimUid}, which no longer exists: it was released`,
      );
      log.warn({ desktop, claim: orphan.claim, claimUid: orphan.claimUid }, 'released a desktop whose claim is gone');
    });
  }
}

/**
 * The release finalizer on every live claim, so none is deleted before its desktop is given back.
 * Guarded by the claim's resourceVersion: a claim changed meanwhile (its status written by this
 * very pass, at a logon) is tried again at once with fresh data, not after a failure's backoff.
 */
async function ensureFinalizers(deps: ClaimPassDeps, pass: Pass): Promise<void> {
  const missing = pass.claims.filter(
    (c) => !pass.isFailed(c) && !c.metadata?.deletionTimestamp && !c.metadata?.finalizers?.includes(RELEASE_FINALIZER),
  );
  await inParallel(missing, async (claim) => {
    const added = await unlessChanged(
      deps.actions.patchClaim(claim.metadata?.namespace as string, claim.metadata?.name as string, {
        metadata: {
          resourceVersion: claim.metadata?.resourceVersion,
          finalizers: [...(claim.metadata?.finalizers ?? []), RELEASE_FINALIZER],
        },
      }),
    ).catch((err: unknown) => {
      pass.outcome.failed(err);
      return true;
    });
    // Changed or deleted meanwhile: decided again at once (a deleted one's desktop is an orphan now).
    if (!added) pass.outcome.conflict();
  });
}

/** Claims being deleted: their desktop goes back, then their finalizer. */
async function releaseDeleted(deps: ClaimPassDeps, expected: Expectations, pass: Pass, log: Logger) {
  // Claims at once, as binds are (the evening's logoffs are the morning's storm in reverse); each
  // claim's own steps stay in order, and each touches only its own desktop, grant and finalizer.
  const deleted = pass.claims.filter((c) => c.metadata?.deletionTimestamp && !expected.finalized.has(uidOf(c)));
  await inParallel(
    deleted,
    (claim) =>
      pass.outcome.attempt(async () => {
        await pass.followUps.after(uidOf(claim));
        // Desktops that changed between our read and our write: decided again with fresh data.
        if (!(await release(deps, expected, pass.pool, claim, pass.desktops, log))) return pass.outcome.conflict();
        expected.binds.delete(uidOf(claim));
        expected.released.delete(uidOf(claim));
      }),
    CLAIM_CONCURRENCY,
  );
}

/** Claims a session policy ended: their desktop goes back (again, should the first try have failed). */
async function giveBackReleased(deps: ClaimPassDeps, expected: Expectations, pass: Pass, log: Logger) {
  const released = pass.claims.filter((c) => !c.metadata?.deletionTimestamp && pass.isReleased(c) && !pass.isFailed(c));
  await inParallel(
    released,
    (claim) =>
      pass.outcome.attempt(async () => {
        await pass.followUps.after(uidOf(claim));
        if (!(await giveBack(deps, expected, pass.pool, claim, pass.desktops, log))) pass.outcome.conflict();
      }),
    CLAIM_CONCURRENCY,
  );
}

/** Failed is terminal: such a claim keeps no grant and is never bound. */
async function dropGrantsOfFailed(deps: ClaimPassDeps, pass: Pass) {
  for (const claim of pass.claims.filter((c) => !c.metadata?.deletionTimestamp && pass.isFailed(c))) {
    await pass.outcome.attempt(() => removeGrant(deps, claim));
  }
}

/** The pool does not exist (yet, or any more). */
async function waitForPool(deps: ClaimPassDeps, expected: Expectations, pass: Pass) {
  const { namespace, poolName } = pass;
  for (const claim of pass.claims.filter(pass.live)) {
    // Bound once, its desktop went with the pool: that session is over for good, and a pool made
    // again under the name later is another pool. A claim never bound waits instead: GitOps
    // tools apply claims and pools in any order, and the pool may be on its way.
    if (claim.status?.phase === 'Bound') {
      await pass.outcome.attempt(() =>
        fail(deps, expected, pass, claim, {
          reason: 'PoolDeleted',
          message: `VirtualDesktopPool ${namespace}/${poolName} was deleted, and desktop ${claim.status?.desktop?.name ?? ''} with it; claim a desktop of another pool`,
        }),
      );
      continue;
    }
    await pass.outcome.attempt(() =>
      keepWaiting(deps, poolName, claim, 'PoolNotFound', `VirtualDesktopPool ${namespace}/${poolName} does not exist`),
    );
  }
}

/** The pool's desktops as the plan sees them, with the binds this process made that the cache does not show yet. */
function seatsOf(expected: Expectations, pass: Pass, pool: Pool, where: DesktopPlacement | undefined): SeatState[] {
  // desktop name → claim uid, for binds the cache does not show yet
  const pendingByDesktop = new Map([...expected.binds].map(([uid, desktop]) => [desktop, uid]));
  return pass.desktops.flatMap((d) =>
    seat(pass.poolName, pool, d, pendingByDesktop, (name) => where?.onMaintenanceNode(pass.namespace, name) ?? false),
  );
}

/** Beyond what a person may hold: Failed now, rather than waiting in line with a grant of its own. */
async function failOverLimit(
  deps: ClaimPassDeps,
  expected: Expectations,
  pass: Pass,
  pool: Pool,
  seats: readonly SeatState[],
) {
  const holding = new Set(seats.map((s) => s.claimUid));
  const overLimit = claimsOverLimit(
    pass.claims.map((c) => ({
      name: c.metadata?.name as string,
      uid: uidOf(c),
      user: c.spec.user,
      created: created(c),
      live: pass.live(c),
      holding: holding.has(uidOf(c)),
    })),
    pool.spec.maxDesktopsPerUser,
    `${pass.namespace}/${pass.poolName}`,
  );
  const claimByUid = new Map(pass.claims.map((c) => [uidOf(c), c]));
  await pass.outcome.attempt(() =>
    inParallel(overLimit, ({ uid, message }) =>
      fail(deps, expected, pass, claimByUid.get(uid) as Claim, { reason: 'UserLimitReached', message }),
    ),
  );
}

/**
 * One pipeline per claim, all at once: bind (for a new claim), then its grant, then its status.
 * Binds may run in parallel: the plan gives every claim a different desktop and each bind is
 * guarded by that desktop's resourceVersion, so one that conflicts (the desktop changed) fails
 * alone and its claim is decided again. The grant is in place before the status says Bound.
 * A claim with a follow-up under way (just bound: claim-follow-ups.ts) is left to it.
 */
async function carryOut(
  deps: ClaimPassDeps,
  expected: Expectations,
  pass: Pass,
  pool: Pool,
  decisions: readonly ClaimDecision[],
  log: Logger,
): Promise<void> {
  const pipelines: (() => Promise<void>)[] = [];
  const claimByName = new Map(pass.claims.map((c) => [c.metadata?.name, c]));
  const desktopByName = new Map(pass.desktops.map((d) => [d.metadata?.name, d]));
  // Nodes in maintenance: holders of desktops there that cannot migrate are told when theirs restarts.
  const leaving = deps.placement
    ? poolMaintenance(pool, pass.desktops, pass.claims, deps.placement.where, now(deps))
    : undefined;
  for (const decision of decisions) {
    const claim = claimByName.get(decision.claim) as Claim;
    // Just bound: its follow-up writes its grant and status, and the pool is looked at again after.
    if (pass.followUps.underWay(uidOf(claim))) continue;
    const desktop = 'desktop' in decision ? desktopByName.get(decision.desktop) : undefined;
    if (decision.kind === 'bind') {
      pipelines.push(() => bindClaim(deps, expected, pass, pool, claim, desktop as Desktop, decision.desktop, log));
      continue;
    }
    if (decision.kind === 'pending') {
      pipelines.push(() => keepWaiting(deps, pass.poolName, claim, decision.reason, decision.message));
      continue;
    }
    let pending: PendingAction | undefined;
    if (desktop) {
      const policy = await applySessionPolicy(deps, expected, pass, pool, claim, desktop, log);
      if (policy === 'released') continue;
      const restart = leaving ? await restartForMaintenance(deps, pass, claim, desktop, leaving, log) : undefined;
      pending = sooner(policy.pending, restart);
    }
    // Made right already from the same claim, desktop, grant, pool and pending action: nothing to do.
    const signature = keptSignature({ claim, desktop, ...cachedGrant(deps, claim), pool, pending });
    if (deps.kept.unchanged(uidOf(claim), signature)) continue;
    pipelines.push(async () => {
      await keepBound(deps, pass.poolName, pool, claim, decision.desktop, desktop, pending);
      deps.kept.kept(uidOf(claim), signature);
    });
  }
  await pass.outcome.attempt(() => inParallel(pipelines, (run) => run(), CLAIM_CONCURRENCY));
}

/**
 * A held desktop on a node in maintenance that cannot migrate: its holder is told when it restarts
 * (the claim's pendingAction), and it is restarted on another node when that time comes.
 */
async function restartForMaintenance(
  deps: ClaimPassDeps,
  pass: Pass,
  claim: Claim,
  desktop: Desktop,
  leaving: PoolMaintenance,
  log: Logger,
): Promise<PendingAction | undefined> {
  const name = desktop.metadata?.name as string;
  const step = leaving.plan.steps.find((s) => s.desktop === name);
  if (step?.kind === 'warn') {
    pass.outcome.recheck(Math.max(0, step.deadline.getTime() - now(deps).getTime()));
    return {
      action: 'Restart',
      reason: 'Maintenance',
      deadline: isoSeconds(step.deadline),
      message: `Node ${step.node} is going into maintenance and desktop ${name} cannot move while it runs; it restarts on another node at ${isoSeconds(step.deadline)}. Save your work before then.`,
    };
  }
  const instanceUid = leaving.instanceUids.get(name);
  if (step?.kind === 'restart' && step.held && instanceUid) {
    await pass.outcome.attempt(async () => {
      await deps.actions.restartDesktop(pass.namespace, name, instanceUid);
      deps.recorder.record(
        claim,
        'Normal',
        'RestartedForMaintenance',
        `Desktop ${name} was restarted on another node: node ${step.node} is in maintenance and the desktop could not migrate live`,
      );
      log.info({ claim: claim.metadata?.name, desktop: name, node: step.node }, 'restarted for maintenance');
    });
  }
  return undefined;
}

/** The pending action due first. */
function sooner(a: PendingAction | undefined, b: PendingAction | undefined): PendingAction | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(b.deadline) < Date.parse(a.deadline) ? b : a;
}

/**
 * A new claim takes its desktop; then, in its follow-up (the pass does not wait for it), its
 * profile disk is attached, its grant written, and its status says Bound. The bind itself stays in
 * the pass: moved into the follow-up (so that a pass need not wait for its binds' round trips), a
 * storm of a thousand put every bind behind the grants of the claims before it, and the Monday
 * benchmark's p50 went from about 1 s to 11 s.
 */
async function bindClaim(
  deps: ClaimPassDeps,
  expected: Expectations,
  pass: Pass,
  pool: Pool,
  claim: Claim,
  desktop: Desktop,
  desktopName: string,
  log: Logger,
): Promise<void> {
  let profile: string | undefined;
  if (pool.spec.profileDisk) {
    try {
      profile = await ensureProfileDisk(deps, pool, claim, now(deps));
    } catch (err) {
      if (err instanceof ProfileDiskBusy) {
        pass.outcome.recheck(PROFILE_DISK_BUSY_RECHECK_MS);
        return keepWaiting(deps, pass.poolName, claim, 'ProfileDiskDeleting', err.message);
      }
      if (!(err instanceof ProfileDiskRefused)) throw err;
      return keepWaiting(deps, pass.poolName, claim, 'ProfileDiskRefused', err.message);
    }
  }
  if (!(await bind(deps, claim, desktop, profileAnnotation(profile)))) return pass.outcome.conflict();
  expected.binds.set(uidOf(claim), desktopName);
  deps.recorder.record(claim, 'Normal', 'DesktopBound', `Desktop ${desktopName} is bound to ${claim.spec.user}`);
  log.info({ claim: claim.metadata?.name, desktop: desktopName, user: claim.spec.user }, 'bound');
  pass.followUps.start(pass.key, uidOf(claim), async () => {
    // Bound first, so the disk only ever goes to a desktop that is this person's (the guarded write
    // above); the person's name decided the disk's, and ensureProfileDisk checked the disk says so.
    let attachFailure: { error: unknown } | undefined;
    if (profile)
      await attachProfileDisk(deps, pool, desktop, profile).catch((error: unknown) => {
        attachFailure = { error };
      });
    await keepBound(deps, pass.poolName, pool, claim, desktopName, desktop, undefined);
    if (attachFailure) throw attachFailure.error;
  });
}

/** A bound claim's grant (its desktop included), then its status: never Bound before the grant is in place. */
async function keepBound(
  deps: ClaimPassDeps,
  poolName: string,
  pool: Pool,
  claim: Claim,
  desktopName: string,
  desktop: Desktop | undefined,
  pending: PendingAction | undefined,
): Promise<void> {
  await ensureGrant(deps, poolName, claim, desktopName);
  const facts = desktop && desktopFacts(desktop);
  // The status says what is, whether or not the attach could be made; its failure comes after.
  let failure: { error: unknown } | undefined;
  if (desktop)
    await reattachProfileDisk(deps, pool, claim, desktop).catch((error: unknown) => {
      failure = { error };
    });
  await writeClaimStatus(
    deps,
    claim,
    boundStatus(claim, desktopName, facts, {
      rdp: pool.spec.rdp.enabled,
      pending,
      now: now(deps),
      profileDisk: profileDiskStatus(pool, claim.spec.user, desktop),
    }),
  );
  if (failure) throw failure.error;
}

/**
 * A bound desktop whose profile disk is not in its spec yet (the attach after the bind failed, or
 * KubeVirt has not taken it in): attached again. Only a desktop the cache shows bound to this very
 * claim, with this person's disk named on it at the bind.
 */
async function reattachProfileDisk(deps: ClaimPassDeps, pool: Pool, claim: Claim, desktop: Desktop) {
  if (!pool.spec.profileDisk || desktopFacts(desktop).claimUid !== uidOf(claim)) return;
  const wanted = desktop.metadata?.annotations?.[PROFILE_DISK_ANNOTATION];
  if (!wanted || attachedProfileDisk(desktop) === wanted) return;
  if (wanted !== (await ensureProfileDisk(deps, pool, claim, now(deps)))) return;
  await attachProfileDisk(deps, pool, desktop, wanted);
}

/**
 * A waiting claim's grant (its own claim only), then its status says why it waits. The status is
 * true whether or not the grant could be written, so it is written either way; then the grant's
 * failure is thrown, for backoff.
 */
async function keepWaiting(
  deps: ClaimPassDeps,
  poolName: string,
  claim: Claim,
  reason: string,
  message: string,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  await ensureGrant(deps, poolName, claim, undefined).catch((error: unknown) => {
    failure = { error };
  });
  await writeClaimStatus(deps, claim, pendingStatus(claim, reason, message));
  if (failure) throw failure.error;
}

/**
 * The pool's session policies on a bound claim: released (its desktop goes back, the claim stays
 * as the record), powered off when idle, or kept, with what falls due next and when.
 */
async function applySessionPolicy(
  deps: ClaimPassDeps,
  expected: Expectations,
  pass: Pass,
  pool: Pool,
  claim: Claim,
  desktop: Desktop,
  log: Logger,
): Promise<'released' | { pending?: PendingAction }> {
  const facts = desktopFacts(desktop);
  const at = now(deps);
  const capacity = pool.spec.capacity;
  const verdict = sessionVerdict({
    session: claim.status?.session,
    assignment: pool.spec.assignment,
    policy: pool.spec.session,
    running: facts.running,
    ...(capacity?.rampDown ? { afterHours: { rampDown: capacity.rampDown, window: windowAt(capacity, at) } } : {}),
    now: at,
  });
  if (verdict.kind === 'release') {
    // Never bound again by this process, whatever its cache says; the user loses the desktop
    // before the status says so; then the desktop goes back.
    expected.released.add(uidOf(claim));
    await pass.outcome.attempt(async () => {
      await ensureGrant(deps, pass.poolName, claim, undefined);
      await writeClaimStatus(deps, claim, releasedStatus(facts.name, verdict, now(deps)));
      if (!(await giveBack(deps, expected, pool, claim, pass.desktops, log))) pass.outcome.conflict();
    });
    return 'released';
  }
  if (verdict.kind === 'powerOff') await pass.outcome.attempt(() => powerOff(deps, claim, desktop, verdict, log));
  if (verdict.kind === 'keep' && verdict.recheckInMs !== undefined) {
    pass.outcome.recheck(verdict.recheckInMs);
    return { pending: verdict.pending };
  }
  return {};
}

function releasedCondition(claim: Claim) {
  return claim.status?.conditions?.find((c) => c.type === 'Released' && c.status === 'True');
}

function created(obj: KubernetesObject): number {
  return Date.parse(String(obj.metadata?.creationTimestamp ?? '')) || 0;
}

function claimState(claim: Claim, released: boolean): ClaimState {
  return {
    name: claim.metadata?.name as string,
    uid: uidOf(claim),
    user: claim.spec.user,
    deleting: Boolean(claim.metadata?.deletionTimestamp),
    released,
  };
}

function seat(
  poolName: string,
  pool: VirtualDesktopPool,
  vm: Desktop,
  pendingByDesktop: Map<string, string>,
  onMaintenanceNode: (desktop: string) => boolean,
): SeatState[] {
  const facts = desktopFacts(vm);
  const { name, holder, ready, running, revision } = facts;
  const index = parseDesktopIndex(poolName, name);
  if (index === undefined) return [];
  return [
    {
      name,
      index,
      holder,
      claimUid: facts.claimUid ?? pendingByDesktop.get(name),
      ready,
      running,
      onTargetRevision: revision !== undefined && revision === pool.status?.templateRevision,
      unusable: facts.deleting || facts.resetting,
      onMaintenanceNode: onMaintenanceNode(name),
    },
  ];
}

/**
 * A claim that can never be satisfied (over the person's limit, or its pool deleted under it):
 * phase Failed for good, as the record of why, with no grant.
 */
async function fail(
  deps: ClaimPassDeps,
  expected: Expectations,
  pass: Pass,
  claim: Claim,
  why: FailedWhy,
): Promise<void> {
  expected.failed.add(uidOf(claim));
  await pass.followUps.after(uidOf(claim));
  await removeGrant(deps, claim);
  await writeClaimStatus(deps, claim, failedStatus(why));
}

function forgetSettled(
  expected: Expectations,
  kept: KeptClaims,
  claims: readonly Claim[],
  desktops: readonly Desktop[],
): void {
  const claimUids = new Set(claims.map(uidOf));
  kept.keepOnly(claimUids);
  for (const uid of expected.finalized) if (!claimUids.has(uid)) expected.finalized.delete(uid);
  const desktopUids = new Set(desktops.map(uidOf));
  for (const uid of expected.gone) if (!desktopUids.has(uid)) expected.gone.delete(uid);
  for (const [uid, desktopName] of expected.binds) {
    const vm = desktops.find((d) => d.metadata?.name === desktopName);
    if (!vm || desktopFacts(vm).claimUid === uid) expected.binds.delete(uid);
  }
  for (const uid of expected.released) {
    const claim = claims.find((c) => uidOf(c) === uid);
    if (!claim || releasedCondition(claim)) expected.released.delete(uid);
  }
}

async function writeClaimStatus(deps: ClaimPassDeps, claim: Claim, update: ClaimStatusUpdate): Promise<void> {
  const written = await deps.writeStatus(CLAIMS, claim, claimStatus(claim, update));
  if (written) deps.asWritten.remember(claim, written);
  if (update.event) deps.recorder.record(claim, update.event.type, update.event.reason, update.event.message);
}
