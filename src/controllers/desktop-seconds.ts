// What a pool costs, as Prometheus counts it: desktop-seconds by state — running and held, running
// and free (warm), halted — so a team can put a price on a pool (`rate()` of it is desktops in that
// state; `increase()` over a day is desktop-hours). The pool controller tells the meter what a
// pool's desktops are doing at every reconcile (every desktop change reaches one within
// POOL_MIN_INTERVAL_MS), and it adds the time since the last observation at the counts seen then;
// a scrape adds up to now. By the operator's clock, so on a test clock the hours are simulated ones.
// Only the leader reconciles, so only it counts; a failover loses the seconds until the new leader's
// first pass. No I/O: the counter is given.
import type { DesktopState } from './pool-plan.js';

export const DESKTOP_STATES = ['held', 'free', 'halted'] as const;
export type DesktopCostState = (typeof DESKTOP_STATES)[number];
export type StateCounts = Record<DesktopCostState, number>;

/** Where the seconds go: a Prometheus counter's inc(labels, value). */
export type AddSeconds = (
  labels: { namespace: string; pool: string; state: DesktopCostState },
  seconds: number,
) => void;

export function costStates(desktops: readonly DesktopState[]): StateCounts {
  const live = desktops.filter((d) => !d.deleting);
  return {
    held: live.filter((d) => d.running && d.assigned).length,
    free: live.filter((d) => d.running && !d.assigned).length,
    halted: live.filter((d) => !d.running).length,
  };
}

export class DesktopSecondsMeter {
  private readonly pools = new Map<string, { counts: StateCounts; since: number }>();

  constructor(private readonly add: AddSeconds) {}

  /** The pool's desktops now; `undefined` when the pool is gone (its seconds so far are added). */
  observe(key: string, counts: StateCounts | undefined, now: Date): void {
    this.settle(key, now.getTime());
    if (counts) this.pools.set(key, { counts, since: now.getTime() });
    else this.pools.delete(key);
  }

  /** Adds every pool's seconds up to now (before a scrape). */
  flush(now: Date): void {
    for (const key of this.pools.keys()) this.settle(key, now.getTime());
  }

  private settle(key: string, now: number): void {
    const seen = this.pools.get(key);
    if (!seen) return;
    // A wall clock set back adds nothing (and the next interval starts from now).
    const seconds = Math.max(0, now - seen.since) / 1000;
    seen.since = now;
    if (seconds === 0) return;
    const slash = key.indexOf('/');
    const [namespace, pool] = [key.slice(0, slash), key.slice(slash + 1)];
    for (const state of DESKTOP_STATES) {
      if (seen.counts[state] > 0) this.add({ namespace, pool, state }, seen.counts[state] * seconds);
    }
  }
}
