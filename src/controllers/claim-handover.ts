// Handing a desktop to a claim and back, and the claim's grant with it: the writes the claim
// controller (desktopclaim.ts) makes on desktops, grants and its finalizer. Each decides from the
// caches and guards its write with the resourceVersion or uid it decided on, so a decision from a
// stale cache fails safely (false: decided again with fresh data) instead of acting twice.
import type { KubernetesObject, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import {
  CLAIM_ANNOTATION,
  CLAIM_UID_ANNOTATION,
  HOLDER_ANNOTATION,
  PROFILE_DISK_ANNOTATION,
  RESET_ANNOTATION,
} from '../api/annotations.js';
import { desktopFacts } from '../api/desktop-facts.js';
import type { DesktopClaim } from '../api/desktopclaim.js';
import { RELEASE_FINALIZER } from '../api/finalizers.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { grantName } from '../render/grants.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { isApiError, unlessChanged } from '../runtime/api-errors.js';
import type { Apply } from '../runtime/apply.js';
import { type Clock, systemClock } from '../runtime/clock.js';
import { isoSeconds } from '../runtime/conditions.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { ClaimActions } from './actions.js';
import { type CachedGrant, grantParts, grantWrites } from './claim-grant.js';
import { markReleased } from './profile-disks.js';
import type { Verdict } from './session-policy.js';

export type Desktop = VirtualMachine & KubernetesObject;
export type Claim = DesktopClaim & KubernetesObject;

/** What the handover reads and writes through. */
export interface HandoverDeps {
  /** The per-claim grants, so a grant deleted by hand comes back and a gone one costs no call. */
  roles: Informer<V1Role>;
  roleBindings: Informer<V1RoleBinding>;
  actions: ClaimActions;
  apply: Apply;
  recorder: Recorder;
  /** Session deadlines and recorded times; the system clock unless a test moves it. */
  clock?: Clock;
}

/** What this process did that its caches may not show yet. */
export interface Expectations {
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

export function now(deps: HandoverDeps): Date {
  return (deps.clock ?? systemClock).now();
}

export function uidOf(obj: KubernetesObject): string {
  return obj.metadata?.uid as string;
}

/**
 * Takes a desktop for a claim, or returns false when the desktop changed since we looked.
 * `annotations`: more to set in the same guarded write (the profile disk bound with it).
 */
export function bind(
  deps: HandoverDeps,
  claim: Claim,
  desktop: Desktop,
  annotations: Record<string, string> = {},
): Promise<boolean> {
  return unlessChanged(
    deps.actions.patchDesktop(desktop.metadata?.namespace as string, desktop.metadata?.name as string, {
      metadata: {
        resourceVersion: desktop.metadata?.resourceVersion,
        annotations: {
          [HOLDER_ANNOTATION]: claim.spec.user,
          [CLAIM_ANNOTATION]: claim.metadata?.name,
          [CLAIM_UID_ANNOTATION]: claim.metadata?.uid,
          ...annotations,
        },
      },
      // Start it if it is halted: a logon wants a running desktop.
      spec: { runStrategy: 'Always' },
    }),
  );
}

/**
 * The claim's grant as it should be now: its own claim always, its desktop while bound. Written
 * only when the cache shows something else (a new claim, a bind, a release, a hand edit).
 */
export async function ensureGrant(
  deps: HandoverDeps,
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
  // One after the other: before the Role exists the API server answers 404 to its RoleBinding.
  for (const part of grantWrites(input, cachedGrant(deps, claim))) await deps.apply(part);
}

/** What the cache shows of a claim's grant. */
export function cachedGrant(deps: HandoverDeps, claim: Claim): CachedGrant {
  const namespace = claim.metadata?.namespace as string;
  const name = grantName(claim.metadata?.name as string);
  return { role: deps.roles.get(namespace, name), binding: deps.roleBindings.get(namespace, name) };
}

/**
 * Gives a claim's desktop back: an Automatic pool takes it (a Stateless one deletes it, so the
 * pool makes it anew with a fresh disk before anyone else can have it); a Manual pool keeps it
 * for the same user. Idempotent: a claim with no desktop and no grant costs no call. False when
 * the desktop changed since the cache showed it (a conflict): it is not given back yet, and the
 * claim is decided again with fresh data.
 */
export async function giveBack(
  deps: HandoverDeps,
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
  const returned = await returnDesktop(deps, expected, pool, desktop, claim.spec.user);
  if (returned !== 'returned') return returned === 'already';
  const desktopName = desktop.metadata?.name as string;
  deps.recorder.record(claim, 'Normal', 'DesktopReleased', `Desktop ${desktopName} was released`);
  const profile = desktop.metadata?.annotations?.[PROFILE_DISK_ANNOTATION];
  if (profile) {
    await markReleased(deps, desktop.metadata?.namespace as string, profile, now(deps));
    // An Automatic Stateless desktop was deleted (the reset) and the disk left with it; a Manual
    // one stays its person's, reset in place, and keeps the disk.
    const where =
      pool.spec.assignment === 'Automatic'
        ? `was detached with desktop ${desktopName}, which is made anew,`
        : `stays on desktop ${desktopName}, which stays theirs,`;
    deps.recorder.record(
      claim,
      'Normal',
      'ProfileDiskKept',
      `Profile disk ${profile} ${where} and is kept for ${claim.spec.user}`,
    );
  }
  log.info({ claim: claim.metadata?.name, desktop: desktopName }, 'released');
  return true;
}

/**
 * A desktop back to its pool: an Automatic Stateless pool's deleted (with its disks, made anew by
 * the pool), any other's unbound — a Manual pool's staying `user`'s, a Stateless one's halted and
 * reset in place. `already` when it was gone (or made anew, someone else's) by the time it was to
 * be deleted; `changed` when it changed since the cache showed it (decide again with fresh data).
 */
export async function returnDesktop(
  deps: HandoverDeps,
  expected: Expectations,
  pool: VirtualDesktopPool,
  desktop: Desktop,
  user: string | undefined,
): Promise<'returned' | 'already' | 'changed'> {
  const namespace = desktop.metadata?.namespace as string;
  const desktopName = desktop.metadata?.name as string;
  const stateless = pool.spec.persistence === 'Stateless';
  if (pool.spec.assignment === 'Automatic' && stateless) {
    // Whatever its resourceVersion (it is this claim's desktop, and it must not outlive the logoff
    // with its disk), but only the desktop the cache showed: one made anew under its name since
    // is someone else's, and the failed precondition means it was given back already.
    const deleted = await deps.actions.deleteDesktop(namespace, desktopName, { uid: uidOf(desktop) });
    // Not deleted: gone already, or made anew since (someone else's). Given back either way.
    if (!deleted) return 'already';
    expected.gone.add(uidOf(desktop));
  } else if (
    !(await unlessChanged(
      deps.actions.patchDesktop(namespace, desktopName, {
        metadata: {
          resourceVersion: desktop.metadata?.resourceVersion,
          annotations: {
            [HOLDER_ANNOTATION]: pool.spec.assignment === 'Manual' ? (user ?? null) : null,
            [CLAIM_ANNOTATION]: null,
            [CLAIM_UID_ANNOTATION]: null,
            // A Manual Stateless desktop stays its user's, reset in place by the pool controller.
            ...(stateless ? { [RESET_ANNOTATION]: isoSeconds(now(deps)) } : {}),
          },
        },
        ...(stateless ? { spec: { runStrategy: 'Halted' } } : {}),
      }),
    ))
  ) {
    return 'changed';
  }
  return 'returned';
}

/**
 * Logoff by deleting the claim: the desktop goes back, then the finalizer. False when the desktop
 * changed since the cache showed it: the finalizer stays until it is given back.
 */
export async function release(
  deps: HandoverDeps,
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
  await deps.actions.deleteGrant(namespace, grantName(name), grantParts(uidOf(claim), cachedGrant(deps, claim)));
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
    if (isApiError(err, 409)) return false;
    if (!isApiError(err, 404)) throw err;
  }
  expected.finalized.add(uidOf(claim));
  return true;
}

/** Removes a claim's grant if the cache shows any of it (a gone grant costs no call). */
export async function removeGrant(deps: HandoverDeps, claim: Claim): Promise<void> {
  const cached = cachedGrant(deps, claim);
  if (cached.role || cached.binding) {
    await deps.actions.deleteGrant(
      claim.metadata?.namespace as string,
      grantName(claim.metadata?.name as string),
      grantParts(uidOf(claim), cached),
    );
  }
}

/** Idle and powered on: shut it down, keep the claim (the user starts it again). */
export async function powerOff(
  deps: HandoverDeps,
  claim: Claim,
  desktop: Desktop,
  verdict: Extract<Verdict, { kind: 'powerOff' }>,
  log: Logger,
): Promise<void> {
  const patched = await unlessChanged(
    deps.actions.patchDesktop(desktop.metadata?.namespace as string, desktop.metadata?.name as string, {
      metadata: { resourceVersion: desktop.metadata?.resourceVersion },
      spec: { runStrategy: 'Halted' },
    }),
  );
  // Changed meanwhile (the user started or stopped it): decided again on the next change.
  if (!patched) return;
  deps.recorder.record(claim, 'Normal', verdict.reason, `Desktop ${desktop.metadata?.name} was ${verdict.message}`);
  log.info({ claim: claim.metadata?.name, desktop: desktop.metadata?.name }, `powered off (${verdict.reason})`);
}
