// How long each warm desktop has waited unclaimed, for capacity.warmTimeToLiveMinutes: since when
// this operator has seen it idle, running and ready, by the operator's clock. Kept in memory, not
// on the desktop: writing a time on every desktop that turns warm (and again on every bind) would
// cost a write each in the middle of a logon storm. The price: a new leader counts from when it
// took over, so a desktop lives at most one time-to-live longer than asked. Pure.
import type { DesktopState } from './pool-plan.js';

export interface WarmAges {
  /** Desktop name → since when (ms) it is warm and unclaimed: the map to pass next time. */
  since: Map<string, number>;
  /** Desktops past the time-to-live, oldest first. */
  expired: string[];
  /** When the next one that is not yet expired will be. */
  nextExpiry?: Date;
}

export function warmAges(
  previous: ReadonlyMap<string, number> | undefined,
  desktops: readonly DesktopState[],
  now: Date,
  ttlMinutes: number | undefined,
): WarmAges {
  const since = new Map<string, number>();
  for (const d of desktops) {
    if (d.assigned || !d.running || !d.ready || d.deleting) continue;
    since.set(d.name, previous?.get(d.name) ?? now.getTime());
  }
  if (ttlMinutes === undefined) return { since, expired: [] };
  const ttl = ttlMinutes * 60_000;
  const expired = [...since]
    .filter(([, t]) => t + ttl <= now.getTime())
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
  const pending = [...since.values()].map((t) => t + ttl).filter((t) => t > now.getTime());
  return pending.length ? { since, expired, nextExpiry: new Date(Math.min(...pending)) } : { since, expired };
}
