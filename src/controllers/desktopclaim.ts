// DesktopClaim controller: a user's logon and logoff. Keyed by *pool*, so all claims of one pool
// are decided together and never by two workers at once; the binding itself is a patch of the
// desktop with a resourceVersion precondition, so a plan made from a stale cache (or by a replica
// that lost its lease a moment ago) fails with 409 instead of binding a desktop twice.
// It also ends claims by the pool's session policies (logoff, idle) from the `status.session`
// the session controller writes: such a claim stays, phase Released, as the record of why.
// Claims beyond what their person may hold, and claims whose pool was deleted under them, end
// Failed (terminal, no grant; see claim-limits.ts for which claims count).
// Reconcile reads top to bottom: finalizers → releases → limits → plan → bind → policies → grants → status.
import { isDeepStrictEqual } from 'node:util';
import {
  ApiException,
  type KubernetesObject,
  type V1PolicyRule,
  type V1Role,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { CLAIM_ANNOTATION, CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION, RESET_ANNOTATION } from '../api/annotations.js';
import { desktopFacts } from '../api/desktop-facts.js';
import type { DesktopClaim, DesktopClaimStatus } from '../api/desktopclaim.js';
import { CLAIMS } from '../api/desktopclaim.js';
import { RELEASE_FINALIZER } from '../api/finalizers.js';
import { LABELS } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { grantName, renderGrantBinding, renderGrantRole } from '../render/grants.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { parseDesktopIndex } from '../render/names.js';
import { rdpServiceName } from '../render/rdp.js';
import type { Apply } from '../runtime/apply.js';
import { type Clock, systemClock } from '../runtime/clock.js';
import { type ConditionInput, isoSeconds, setConditions } from '../runtime/conditions.js';
import { Controller, type Key, ownerKey, splitKey } from '../runtime/controller.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { inParallel } from '../runtime/parallel.js';
import type { WriteStatus } from '../runtime/status.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import { claimsOverLimit } from './claim-limits.js';
import { type ClaimDecision, type ClaimState, planClaims, type SeatState } from './claim-plan.js';
import { type PendingAction, sessionVerdict, type Verdict } from './session-policy.js';
import { BY_POOL } from './virtualdesktoppool.js';

type Desktop = VirtualMachine & KubernetesObject;

/**
 * Claims of one pool worked on at once in a reconcile (each: bind, grant, status). A logon storm
 * is the case that matters: 50 claims at once should cost about one claim's round trips, not 50.
 */
export const CLAIM_CONCURRENCY = 64;
type Claim = DesktopClaim & KubernetesObject;

/** DeleteOptions.preconditions: the object deleted must still be the one the decision was made on. */
export interface DeletePreconditions {
  uid: string;
  resourceVersion?: string;
}

/**
 * Which parts of a claim's grant (Role, RoleBinding) to delete: with the uid the cache shows when it
 * shows the part owned by the claim; by name when the cache shows none (it may lag a grant just
 * written); not at all when the cache shows it owned by another claim of the same name (made again
 * since) — that one is someone else's now.
 */
export interface GrantParts {
  role: { uid?: string } | undefined;
  binding: { uid?: string } | undefined;
}

/** The operations on other objects the claim controller needs; each is one API call. */
export interface ClaimActions {
  /** JSON merge patch guarded by the resourceVersion in `body.metadata`. */
  patchDesktop(namespace: string, name: string, body: object): Promise<void>;
  /**
   * With the uid (and resourceVersion) the decision was made on: a desktop made anew under that
   * name, or changed, is not deleted. True when this call deleted it; false when it was gone or
   * is someone else's now (a failed precondition).
   */
  deleteDesktop(namespace: string, name: string, preconditions: DeletePreconditions): Promise<boolean>;
  patchClaim(namespace: string, name: string, body: object): Promise<void>;
  /** Deletes the parts of a claim's grant named in `parts`, each with its uid as a precondition when given. */
  deleteGrant(namespace: string, name: string, parts: GrantParts): Promise<void>;
}

export interface ClaimControllerDeps {
  claims: Informer<Claim>;
  pools: Informer<VirtualDesktopPool & KubernetesObject>;
  desktops: Informer<Desktop>;
  /** The per-claim grants, so a grant deleted by hand comes back and a gone one costs no call. */
  roles: Informer<V1Role>;
  roleBindings: Informer<V1RoleBinding>;
  actions: ClaimActions;
  apply: Apply;
  writeStatus: WriteStatus;
  recorder: Recorder;
  metrics: Metrics;
  log: Logger;
  /** Session deadlines and recorded times; the system clock unless a test moves it. */
  clock?: Clock;
}

/** What this process did that its caches may not show yet. */
interface Expectations {
  /** Binds: claim uid → desktop name. */
  binds: Map<string, string>;
  /** Claims ended by a session policy (uids): never bound again, whatever a stale cache says. */
  released: Set<string>;
  /**
   * Deleted claims whose finalizer this process removed (uids): released once, however long the
   * cache goes on showing them with it.
   */
  finalized: Set<string>;
  /** Desktops this process deleted (uids): not deleted, or released, again from a stale cache. */
  gone: Set<string>;
  /** Claims this process marked Failed (uids): terminal, whatever a stale cache says. */
  failed: Set<string>;
}

export function claimController(deps: ClaimControllerDeps): Controller {
  const byPoolLabel = (obj: KubernetesObject) => {
    const pool = obj.metadata?.labels?.[LABELS.pool];
    return pool ? [`${obj.metadata?.namespace}/${pool}`] : [];
  };
  return new Controller({ name: 'desktopclaim', metrics: deps.metrics, log: deps.log }, claimReconciler(deps))
    .watches(deps.pools, (p) => [`${p.metadata?.namespace}/${p.metadata?.name}`])
    .watches(deps.claims, (c) => [`${c.metadata?.namespace}/${c.spec.poolRef.name}`])
    .watches(deps.desktops, ownerKey('VirtualDesktopPool'))
    .watches(deps.roles, byPoolLabel)
    .watches(deps.roleBindings, byPoolLabel);
}

/**
 * The reconcile of one pool's claims, with this process's expectations (what it did that its
 * caches may not show yet). Exported for tests that drive it with a cache of their own making.
 */
export function claimReconciler(
  deps: ClaimControllerDeps,
): (key: Key, log: Logger) => Promise<ReconcileResult | undefined> {
  const expected: Expectations = {
    binds: new Map(),
    released: new Set(),
    finalized: new Set(),
    gone: new Set(),
    failed: new Set(),
  };
  return (key, log) => reconcile(deps, expected, key, log);
}

async function reconcile(
  deps: ClaimControllerDeps,
  expected: Expectations,
  key: Key,
  log: Logger,
): Promise<ReconcileResult | undefined> {
  const { namespace, name: poolName } = splitKey(key);
  const claims = deps.claims
    .byIndex(BY_POOL, key)
    .sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  if (claims.length === 0) return;
  const pool = deps.pools.get(namespace, poolName);
  const desktops = deps.desktops.byIndex(BY_POOL, key);

  const isFailed = (c: Claim) => expected.failed.has(uidOf(c)) || c.status?.phase === 'Failed';
  await ensureFinalizers(
    deps,
    claims.filter((c) => !isFailed(c)),
  );
  // Desktops that changed between our read and our write: decided again with fresh data.
  let conflicts = 0;
  for (const claim of claims.filter((c) => c.metadata?.deletionTimestamp && !expected.finalized.has(uidOf(c)))) {
    if (!(await release(deps, expected, pool, claim, desktops, log))) {
      conflicts++;
      continue;
    }
    expected.binds.delete(uidOf(claim));
    expected.released.delete(uidOf(claim));
  }
  const isReleased = (c: Claim) => expected.released.has(uidOf(c)) || releasedCondition(c) !== undefined;
  for (const claim of claims.filter((c) => !c.metadata?.deletionTimestamp && isReleased(c) && !isFailed(c))) {
    if (!(await giveBack(deps, expected, pool, claim, desktops, log))) conflicts++;
  }
  // Failed is terminal: such a claim keeps no grant and is never bound.
  for (const claim of claims.filter((c) => !c.metadata?.deletionTimestamp && isFailed(c))) {
    await removeGrant(deps, claim);
  }
  const live = (c: Claim) => !c.metadata?.deletionTimestamp && !isReleased(c) && !isFailed(c);
  if (!pool) {
    for (const claim of claims.filter(live)) {
      // Bound once, its desktop went with the pool: that session is over for good, and a pool made
      // again under the name later is another pool. A claim never bound waits instead: GitOps
      // tools apply claims and pools in any order, and the pool may be on its way.
      if (claim.status?.phase === 'Bound') {
        await fail(deps, expected, claim, {
          reason: 'PoolDeleted',
          message: `VirtualDesktopPool ${namespace}/${poolName} was deleted, and desktop ${claim.status.desktop?.name ?? ''} with it; claim a desktop of another pool`,
        });
        continue;
      }
      await ensureGrant(deps, poolName, claim, undefined);
      await writeClaimStatus(deps, claim, undefined, {
        kind: 'pending',
        reason: 'PoolNotFound',
        message: `VirtualDesktopPool ${namespace}/${poolName} does not exist`,
      });
    }
    return conflicts ? { requeueAfterMs: 100 } : undefined;
  }

  // desktop name → claim uid, for binds the cache does not show yet
  const pendingByDesktop = new Map([...expected.binds].map(([uid, desktop]) => [desktop, uid]));
  const seats = desktops.flatMap((d) => seat(poolName, pool, d, pendingByDesktop));
  // Beyond what a person may hold: Failed now, rather than waiting in line with a grant of its own.
  const holding = new Set(seats.map((s) => s.claimUid));
  const overLimit = claimsOverLimit(
    claims.map((c) => ({
      name: c.metadata?.name as string,
      uid: uidOf(c),
      user: c.spec.user,
      created: created(c),
      live: live(c),
      holding: holding.has(uidOf(c)),
    })),
    pool.spec.maxDesktopsPerUser,
    `${namespace}/${poolName}`,
  );
  const claimByUid = new Map(claims.map((c) => [uidOf(c), c]));
  await inParallel(overLimit, ({ uid, message }) =>
    fail(deps, expected, claimByUid.get(uid) as Claim, { reason: 'UserLimitReached', message }),
  );
  const decisions = planClaims({
    claims: claims.filter((c) => !isFailed(c)).map((c) => claimState(c, isReleased(c))),
    desktops: seats,
    maxDesktopsPerUser: pool.spec.maxDesktopsPerUser,
  });
  let recheckInMs: number | undefined;
  // One pipeline per claim, all at once: bind (for a new claim), then its grant, then its status.
  // Binds may run in parallel: the plan gives every claim a different desktop and each bind is
  // guarded by that desktop's resourceVersion, so one that conflicts (the desktop changed) fails
  // alone and its claim is decided again. The grant is in place before the status says Bound.
  const pipelines: (() => Promise<void>)[] = [];
  const claimByName = new Map(claims.map((c) => [c.metadata?.name, c]));
  const desktopByName = new Map(desktops.map((d) => [d.metadata?.name, d]));
  for (const decision of decisions) {
    const claim = claimByName.get(decision.claim) as Claim;
    const desktop = 'desktop' in decision ? desktopByName.get(decision.desktop) : undefined;
    if (decision.kind === 'bind') {
      pipelines.push(async () => {
        if (!(await bind(deps, claim, desktop as Desktop))) {
          conflicts++;
          return;
        }
        expected.binds.set(uidOf(claim), decision.desktop);
        deps.recorder.record(
          claim,
          'Normal',
          'DesktopBound',
          `Desktop ${decision.desktop} is bound to ${claim.spec.user}`,
        );
        log.info({ claim: decision.claim, desktop: decision.desktop, user: claim.spec.user }, 'bound');
        await ensureGrant(deps, poolName, claim, decision.desktop);
        await writeClaimStatus(deps, claim, desktop, decision, { rdp: pool.spec.rdp.enabled });
      });
      continue;
    }
    let pending: PendingAction | undefined;
    if (decision.kind === 'bound' && desktop) {
      const verdict = sessionVerdict({
        session: claim.status?.session,
        assignment: pool.spec.assignment,
        policy: pool.spec.session,
        running: desktop.spec?.runStrategy === 'Always',
        now: now(deps),
      });
      if (verdict.kind === 'release') {
        // Never bound again by this process, whatever its cache says; the user loses the desktop
        // before the status says so; then the desktop goes back.
        expected.released.add(uidOf(claim));
        await ensureGrant(deps, poolName, claim, undefined);
        await writeReleased(deps, claim, decision.desktop, verdict);
        if (!(await giveBack(deps, expected, pool, claim, desktops, log))) conflicts++;
        continue;
      }
      if (verdict.kind === 'powerOff') await powerOff(deps, claim, desktop, verdict, log);
      if (verdict.kind === 'keep' && verdict.recheckInMs !== undefined) {
        recheckInMs = Math.min(recheckInMs ?? Number.POSITIVE_INFINITY, verdict.recheckInMs);
        pending = verdict.pending;
      }
    }
    pipelines.push(async () => {
      await ensureGrant(deps, poolName, claim, decision.kind === 'pending' ? undefined : decision.desktop);
      await writeClaimStatus(deps, claim, desktop, decision, { rdp: pool.spec.rdp.enabled, pending });
    });
  }
  await inParallel(pipelines, (run) => run(), CLAIM_CONCURRENCY);
  forgetSettled(expected, claims, desktops);
  // Someone changed a desktop between our read and our write: decide again with fresh data.
  if (conflicts) return { requeueAfterMs: 100 };
  // A logoff grace period or an idle timeout runs out: act then (a second late rather than early).
  return recheckInMs !== undefined ? { requeueAfterMs: recheckInMs + 1000 } : undefined;
}

function now(deps: ClaimControllerDeps): Date {
  return (deps.clock ?? systemClock).now();
}

function uidOf(obj: KubernetesObject): string {
  return obj.metadata?.uid as string;
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
    },
  ];
}

/** The finalizer first, so no claim can be deleted before its desktop is given back. */
async function ensureFinalizers(deps: ClaimControllerDeps, claims: readonly Claim[]): Promise<void> {
  const missing = claims.filter(
    (c) => !c.metadata?.deletionTimestamp && !c.metadata?.finalizers?.includes(RELEASE_FINALIZER),
  );
  await inParallel(missing, (claim) =>
    deps.actions.patchClaim(claim.metadata?.namespace as string, claim.metadata?.name as string, {
      metadata: {
        resourceVersion: claim.metadata?.resourceVersion,
        finalizers: [...(claim.metadata?.finalizers ?? []), RELEASE_FINALIZER],
      },
    }),
  );
}

/** Takes a desktop for a claim, or returns false when the desktop changed since we looked. */
async function bind(deps: ClaimControllerDeps, claim: Claim, desktop: Desktop): Promise<boolean> {
  try {
    await deps.actions.patchDesktop(desktop.metadata?.namespace as string, desktop.metadata?.name as string, {
      metadata: {
        resourceVersion: desktop.metadata?.resourceVersion,
        annotations: {
          [HOLDER_ANNOTATION]: claim.spec.user,
          [CLAIM_ANNOTATION]: claim.metadata?.name,
          [CLAIM_UID_ANNOTATION]: claim.metadata?.uid,
        },
      },
      // Start it if it is halted: a logon wants a running desktop.
      spec: { runStrategy: 'Always' },
    });
    return true;
  } catch (err) {
    if (err instanceof ApiException && (err.code === 409 || err.code === 404)) return false;
    throw err;
  }
}

/**
 * The claim's grant as it should be now: its own claim always, its desktop while bound. Written
 * only when the cache shows something else (a new claim, a bind, a release, a hand edit).
 */
async function ensureGrant(
  deps: ClaimControllerDeps,
  pool: string,
  claim: Claim,
  desktop: string | undefined,
): Promise<void> {
  const namespace = claim.metadata?.namespace as string;
  const input = {
    claim: { name: claim.metadata?.name as string, namespace, uid: uidOf(claim) },
    pool,
    user: claim.spec.user,
    desktop,
  };
  const role = renderGrantRole(input);
  const binding = renderGrantBinding(input);
  const name = grantName(input.claim.name);
  // One after the other: without the `bind` verb (which kubevdi does not have), the API server
  // lets it bind only a Role that exists and grants no more than kubevdi holds; before the Role
  // exists it answers 404.
  if (!sameGrant(deps.roles.get(namespace, name), role, (r) => r.rules?.map(ruleShape))) await deps.apply(role);
  if (!sameGrant(deps.roleBindings.get(namespace, name), binding, (b) => [b.roleRef, b.subjects])) {
    await deps.apply(binding);
  }
}

function sameGrant<T extends V1Role | V1RoleBinding>(
  current: T | undefined,
  desired: T,
  content: (obj: T) => unknown,
): boolean {
  if (!current) return false;
  const labels = (obj: T) => obj.metadata?.labels ?? {};
  return (
    Object.entries(labels(desired)).every(([k, v]) => labels(current)[k] === v) &&
    labels(current)[LABELS.desktop] === labels(desired)[LABELS.desktop] &&
    isDeepStrictEqual(content(current), content(desired))
  );
}

/** A rule as we write it, whatever empty fields the API server adds. */
function ruleShape(rule: V1PolicyRule) {
  return { apiGroups: rule.apiGroups, resources: rule.resources, resourceNames: rule.resourceNames, verbs: rule.verbs };
}

/**
 * Gives a claim's desktop back: an Automatic pool takes it (a Stateless one deletes it, so the
 * pool makes it anew with a fresh disk before anyone else can have it); a Manual pool keeps it
 * for the same user. Idempotent: a claim with no desktop and no grant costs no call. False when
 * the desktop changed since the cache showed it (a conflict): it is not given back yet, and the
 * claim is decided again with fresh data.
 */
async function giveBack(
  deps: ClaimControllerDeps,
  expected: Expectations,
  pool: VirtualDesktopPool | undefined,
  claim: Claim,
  desktops: readonly Desktop[],
  log: Logger,
): Promise<boolean> {
  // The desktop's part of the grant goes first: the user loses it before it is handed on.
  if (!claim.metadata?.deletionTimestamp) {
    await ensureGrant(deps, claim.spec.poolRef.name, claim, undefined);
  }
  // A desktop on its way out (deleted by us a moment ago, or by anyone) is given back already.
  const desktop = desktops.find((d) => {
    const facts = desktopFacts(d);
    return facts.claimUid === uidOf(claim) && !facts.deleting && !expected.gone.has(uidOf(d));
  });
  // A bind this process made that the cache does not show yet: wait for it (false: decided again
  // shortly), or the claim would go while its desktop stays bound to it for ever (found by the
  // chaos campaign's frozen etcd: a claim deleted within the desktop watch's lag after its bind).
  const bindInFlight = expected.binds.get(uidOf(claim));
  if (
    !desktop &&
    bindInFlight &&
    desktops.some((d) => d.metadata?.name === bindInFlight && !d.metadata?.deletionTimestamp)
  )
    return false;
  if (!desktop || !pool) return true;
  const namespace = claim.metadata?.namespace as string;
  const desktopName = desktop.metadata?.name as string;
  const stateless = pool.spec.persistence === 'Stateless';
  if (pool.spec.assignment === 'Automatic' && stateless) {
    // Whatever its resourceVersion (it is this claim's desktop, and it must not outlive the logoff
    // with its disk), but only the desktop the cache showed: one made anew under its name since
    // is someone else's, and the failed precondition means it was given back already.
    const deleted = await deps.actions.deleteDesktop(namespace, desktopName, { uid: uidOf(desktop) });
    // Not deleted: gone already, or made anew since (someone else's). Given back either way.
    if (!deleted) return true;
    expected.gone.add(uidOf(desktop));
  } else if (
    !(await patchUnlessChanged(() => {
      const keepHolder = pool.spec.assignment === 'Manual';
      return deps.actions.patchDesktop(namespace, desktopName, {
        metadata: {
          resourceVersion: desktop.metadata?.resourceVersion,
          annotations: {
            [HOLDER_ANNOTATION]: keepHolder ? claim.spec.user : null,
            [CLAIM_ANNOTATION]: null,
            [CLAIM_UID_ANNOTATION]: null,
            // A Manual Stateless desktop stays its user's, reset in place by the pool controller.
            ...(stateless ? { [RESET_ANNOTATION]: isoSeconds(now(deps)) } : {}),
          },
        },
        ...(stateless ? { spec: { runStrategy: 'Halted' } } : {}),
      });
    }))
  ) {
    return false;
  }
  deps.recorder.record(claim, 'Normal', 'DesktopReleased', `Desktop ${desktopName} was released`);
  log.info({ claim: claim.metadata?.name, desktop: desktopName }, 'released');
  return true;
}

/** A patch guarded by a resourceVersion: false when the object changed (409) or is gone (404) since. */
async function patchUnlessChanged(patch: () => Promise<void>): Promise<boolean> {
  try {
    await patch();
    return true;
  } catch (err) {
    if (err instanceof ApiException && (err.code === 409 || err.code === 404)) return false;
    throw err;
  }
}

/**
 * Logoff by deleting the claim: the desktop goes back, then the finalizer. False when the desktop
 * changed since the cache showed it: the finalizer stays until it is given back.
 */
async function release(
  deps: ClaimControllerDeps,
  expected: Expectations,
  pool: VirtualDesktopPool | undefined,
  claim: Claim,
  desktops: readonly Desktop[],
  log: Logger,
): Promise<boolean> {
  if (!claim.metadata?.finalizers?.includes(RELEASE_FINALIZER)) return true;
  const namespace = claim.metadata?.namespace as string;
  const name = claim.metadata?.name as string;
  // Deleted even when the cache shows none (it may lag a grant just written), but never another
  // claim's grant of the same name.
  await deps.actions.deleteGrant(namespace, grantName(name), grantParts(deps, claim));
  if (!(await giveBack(deps, expected, pool, claim, desktops, log))) return false;
  try {
    await deps.actions.patchClaim(namespace, name, {
      metadata: {
        resourceVersion: claim.metadata?.resourceVersion,
        finalizers: claim.metadata?.finalizers?.filter((f) => f !== RELEASE_FINALIZER),
      },
    });
  } catch (err) {
    // Gone: its finalizer was removed already (by an earlier pass whose result the cache did not
    // show yet) and the claim with it. Done, not a failure of the pool's claims.
    // Changed since the cache showed it, or another claim made since under its name: decided
    // again with fresh data (the change enqueues the pool).
    if (err instanceof ApiException && err.code === 409) return false;
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
  expected.finalized.add(uidOf(claim));
  return true;
}

/**
 * A claim that can never be satisfied (over the person's limit, or its pool deleted under it):
 * phase Failed for good, as the record of why, with no grant.
 */
async function fail(
  deps: ClaimControllerDeps,
  expected: Expectations,
  claim: Claim,
  why: { reason: 'UserLimitReached' | 'PoolDeleted'; message: string },
): Promise<void> {
  expected.failed.add(uidOf(claim));
  await removeGrant(deps, claim);
  const generation = claim.metadata?.generation;
  const conditions: ConditionInput[] = [
    { type: 'Bound', status: 'False', reason: why.reason, message: why.message },
    { type: 'Ready', status: 'False', reason: why.reason, message: 'the claim failed; it will not get a desktop' },
  ];
  await deps.writeStatus(CLAIMS, claim, {
    observedGeneration: generation,
    phase: 'Failed',
    conditions: setConditions(claim.status?.conditions, conditions, generation),
  } satisfies DesktopClaimStatus);
  deps.recorder.record(claim, 'Warning', why.reason, why.message);
}

/** Removes a claim's grant if the cache shows any of it (a gone grant costs no call). */
async function removeGrant(deps: ClaimControllerDeps, claim: Claim): Promise<void> {
  const namespace = claim.metadata?.namespace as string;
  const name = grantName(claim.metadata?.name as string);
  if (deps.roles.get(namespace, name) || deps.roleBindings.get(namespace, name)) {
    await deps.actions.deleteGrant(namespace, name, grantParts(deps, claim));
  }
}

function grantParts(deps: ClaimControllerDeps, claim: Claim): GrantParts {
  const namespace = claim.metadata?.namespace as string;
  const name = grantName(claim.metadata?.name as string);
  const part = (cached: KubernetesObject | undefined) => {
    if (!cached) return {};
    const owned = cached.metadata?.ownerReferences?.some((ref) => ref.uid === uidOf(claim));
    return owned ? { uid: cached.metadata?.uid } : undefined;
  };
  return { role: part(deps.roles.get(namespace, name)), binding: part(deps.roleBindings.get(namespace, name)) };
}

/** Idle and powered on: shut it down, keep the claim (the user starts it again). */
async function powerOff(
  deps: ClaimControllerDeps,
  claim: Claim,
  desktop: Desktop,
  verdict: Extract<Verdict, { kind: 'powerOff' }>,
  log: Logger,
): Promise<void> {
  try {
    await deps.actions.patchDesktop(desktop.metadata?.namespace as string, desktop.metadata?.name as string, {
      metadata: { resourceVersion: desktop.metadata?.resourceVersion },
      spec: { runStrategy: 'Halted' },
    });
  } catch (err) {
    // Changed meanwhile (the user started or stopped it): decided again on the next change.
    if (err instanceof ApiException && (err.code === 409 || err.code === 404)) return;
    throw err;
  }
  deps.recorder.record(claim, 'Normal', 'IdleTimeout', `Desktop ${desktop.metadata?.name} was ${verdict.message}`);
  log.info({ claim: claim.metadata?.name, desktop: desktop.metadata?.name }, 'powered off (idle)');
}

async function writeReleased(
  deps: ClaimControllerDeps,
  claim: Claim,
  desktop: string,
  verdict: Extract<Verdict, { kind: 'release' }>,
): Promise<void> {
  const generation = claim.metadata?.generation;
  const message = `desktop ${desktop} was ${verdict.message.startsWith('released') ? verdict.message : `released: ${verdict.message}`}`;
  const conditions: ConditionInput[] = [
    {
      type: 'Bound',
      status: 'False',
      reason: 'Released',
      message: 'the claim was released; create a new one for a desktop',
    },
    { type: 'Ready', status: 'False', reason: 'Released', message: 'the claim was released' },
    { type: 'Released', status: 'True', reason: verdict.reason, message },
  ];
  await deps.writeStatus(CLAIMS, claim, {
    observedGeneration: generation,
    phase: 'Released',
    releasedTime: isoSeconds(now(deps)),
    conditions: setConditions(claim.status?.conditions, conditions, generation),
  } satisfies DesktopClaimStatus);
  deps.recorder.record(claim, 'Normal', verdict.reason, message);
}

function forgetSettled(expected: Expectations, claims: readonly Claim[], desktops: readonly Desktop[]): void {
  const claimUids = new Set(claims.map(uidOf));
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

type StatusDecision = ClaimDecision | { kind: 'pending'; reason: string; message: string };

async function writeClaimStatus(
  deps: ClaimControllerDeps,
  claim: Claim,
  desktop: Desktop | undefined,
  decision: StatusDecision,
  /** rdp: the pool exposes RDP; pending: what its session policies will do next, and when. */
  bound: { rdp?: boolean; pending?: PendingAction } = {},
): Promise<void> {
  const generation = claim.metadata?.generation;
  const namespace = claim.metadata?.namespace as string;
  let status: DesktopClaimStatus;
  if (decision.kind === 'pending') {
    const bound: ConditionInput = {
      type: 'Bound',
      status: 'False',
      reason: decision.reason,
      message: decision.message,
    };
    status = {
      observedGeneration: generation,
      phase: 'Pending',
      conditions: setConditions(claim.status?.conditions, [bound], generation),
    };
    if (claim.status?.conditions?.find((c) => c.type === 'Bound')?.reason !== decision.reason) {
      deps.recorder.record(claim, 'Warning', decision.reason, decision.message);
    }
  } else {
    const name = decision.desktop;
    const ready = desktop?.status?.ready === true;
    const conditions: ConditionInput[] = [
      {
        type: 'Bound',
        status: 'True',
        reason: 'DesktopBound',
        message: `desktop ${name} is bound to ${claim.spec.user}`,
      },
      readyCondition(name, desktop),
      ...sessionObservedCondition(claim),
    ];
    status = {
      observedGeneration: generation,
      phase: 'Bound',
      desktop: { name, ready },
      boundTime: claim.status?.desktop?.name === name ? claim.status.boundTime : isoSeconds(now(deps)),
      connection: {
        vncPath: `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${name}/vnc`,
        ...(bound.rdp ? { rdpService: rdpServiceName(name) } : {}),
      },
      // Given as undefined when nothing is due, so a deadline that no longer holds is removed.
      pendingAction: bound.pending,
      conditions: setConditions(claim.status?.conditions, conditions, generation),
    };
  }
  await deps.writeStatus(CLAIMS, claim, status);
}

function readyCondition(name: string, desktop: Desktop | undefined): ConditionInput {
  if (desktop?.status?.ready === true) {
    return { type: 'Ready', status: 'True', reason: 'DesktopReady', message: `desktop ${name} is running and ready` };
  }
  if (desktop?.spec?.runStrategy === 'Halted') {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'DesktopPoweredOff',
      message: `desktop ${name} is powered off; start it to connect`,
    };
  }
  return {
    type: 'Ready',
    status: 'False',
    reason: 'DesktopStarting',
    message: `desktop ${name} is ${desktop?.status?.printableStatus ?? 'starting'}`,
  };
}

/**
 * Whether the session controller can see who is logged on: False while KubeVirt's subresource API
 * does not answer (the policies wait, nothing is released), back to True once it does; absent on
 * claims that never met the problem.
 */
function sessionObservedCondition(claim: Claim): ConditionInput[] {
  const unavailable = claim.status?.session?.kubevirtUnavailable;
  if (unavailable)
    return [
      {
        type: 'SessionObserved',
        status: 'False',
        reason: 'KubeVirtUnavailable',
        message: `who is logged on cannot be read, so no session policy acts and nothing is released: ${unavailable}`,
      },
    ];
  if (!claim.status?.conditions?.some((c) => c.type === 'SessionObserved')) return [];
  return [
    {
      type: 'SessionObserved',
      status: 'True',
      reason: 'KubeVirtAvailable',
      message: "KubeVirt's subresource API answers again",
    },
  ];
}
