// What a pool is used for now, read from its desktops and claims: desktops held and in all, claims
// waiting for a desktop (growth on demand makes desktops for them), and the daily peaks of held
// desktops (what a schedule's percentages are of). Pure: the pool controller passes what its
// caches hold.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { DailyPeak } from '../api/capacity.js';
import { type DesktopObject, desktopFacts } from '../api/desktop-facts.js';
import type { DesktopClaim } from '../api/desktopclaim.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { recordHeld } from './capacity-peak.js';
import type { PoolUse } from './pool-growth.js';
import type { DesktopState } from './pool-plan.js';
import { isKnownTimeZone } from './wall-clock.js';

export type Claim = DesktopClaim & KubernetesObject;

export function poolUse(
  claims: readonly Claim[],
  states: readonly DesktopState[],
  desktops: readonly DesktopObject[],
): PoolUse {
  const live = states.filter((d) => !d.deleting);
  // A claim bound a moment ago shows on its desktop before its own status says so: counted once.
  const bound = new Set(desktops.map((vm) => desktopFacts(vm).claimUid).filter(Boolean));
  return {
    held: live.filter((d) => d.assigned).length,
    desktops: live.length,
    waiting: claims.filter((c) => !bound.has(c.metadata?.uid) && waitingForADesktop(c)).length,
  };
}

/** A claim that a new desktop would serve: not bound, not over, not waiting on its own limit or reset. */
export function waitingForADesktop(claim: Claim): boolean {
  if (claim.metadata?.deletionTimestamp || claim.status?.desktop) return false;
  if (claim.status?.phase && claim.status.phase !== 'Pending') return false;
  const reason = claim.status?.conditions?.find((c) => c.type === 'Bound')?.reason;
  return reason !== 'UserLimitReached' && reason !== 'DesktopResetting';
}

/**
 * The daily peaks of held desktops with now counted, for a pool with a schedule in a time zone the
 * operator knows (in another, the last ones recorded stay as they are); none without a schedule.
 */
export function dailyPeaksOf(
  pool: VirtualDesktopPool,
  states: readonly DesktopState[],
  now: Date,
): DailyPeak[] | undefined {
  const timeZone = pool.spec.capacity?.timeZone;
  if (!timeZone) return undefined;
  const previous = pool.status?.capacity?.dailyPeaks;
  if (!isKnownTimeZone(timeZone)) return previous;
  const held = states.filter((d) => d.assigned && !d.deleting).length;
  return recordHeld(previous, held, now, timeZone);
}
