// How many desktops a pool with growth on demand keeps now: those held, those claims wait for,
// and the spare (at least the warm count), within minSize and size — going up at once, and down
// only once demand has stayed lower for removeAfterMinutes. Since when it has been lower is kept in
// the pool's status, so an operator that restarts does not forget a surplus is already waiting, nor
// remove one early. Pure.
import type { Growth, GrowthStatus } from '../api/growth.js';
import { isoSeconds } from '../runtime/conditions.js';

export interface PoolUse {
  /** Desktops users hold. */
  held: number;
  /** Claims waiting for a desktop of the pool (not those waiting on their own limit or reset). */
  waiting: number;
  /** Desktops the pool has (not being deleted). */
  desktops: number;
}

export interface GrowthAnswer {
  /** Desktops the pool keeps now (what the plan takes as its size). */
  size: number;
  status: GrowthStatus;
  /** When the surplus may go, if one is waiting out the delay. */
  recheckAt?: Date;
}

export interface GrowthInput {
  growth: Growth;
  /** The most desktops the pool grows to. */
  maxSize: number;
  /** Idle desktops kept warm now (prestarted or the capacity schedule): they must exist. */
  warm: number;
  use: PoolUse;
  /** Surplus may be removed: Stateless pools, and Manual ones (a free desktop there never had a user). */
  mayShrink: boolean;
  previous: GrowthStatus | undefined;
  now: Date;
}

export function growthSize(input: GrowthInput): GrowthAnswer {
  const { growth, maxSize, use, now } = input;
  const clamp = (n: number) => Math.min(maxSize, Math.max(growth.minSize, n));
  let demanded = clamp(use.held + use.waiting + Math.max(growth.spare, input.warm));
  // A pool that may not shrink keeps what it has (within size: an administrator may still scale in).
  if (!input.mayShrink) demanded = Math.max(demanded, Math.min(use.desktops, maxSize));
  const kept = input.previous ? clamp(input.previous.targetSize) : undefined;
  const status = (targetSize: number, surplusSince?: string): GrowthStatus => ({
    targetSize,
    ...(use.waiting ? { waitingClaims: use.waiting } : {}),
    ...(surplusSince ? { surplusSince } : {}),
  });
  if (kept === undefined || demanded >= kept) return { size: demanded, status: status(demanded) };
  // Whole seconds, as the status keeps it: the same answer before and after it is written.
  const since = Date.parse(input.previous?.surplusSince ?? '') || Math.floor(now.getTime() / 1000) * 1000;
  const due = since + growth.removeAfterMinutes * 60_000;
  if (now.getTime() >= due) return { size: demanded, status: status(demanded) };
  return { size: kept, status: status(kept, isoSeconds(new Date(since))), recheckAt: new Date(due) };
}
