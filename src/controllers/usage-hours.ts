// The desktop-seconds of each pool not yet written to its status, by clock hour, and how they join
// what the status already says. Pure: charges come in from the ledger (desktop-seconds.ts), hours
// go out to the status writer.
import { HOUR_MS, type HourUsage, hourStart, USAGE_HOURS } from '../api/pool-usage.js';
import { isoSeconds } from '../runtime/conditions.js';
import type { Charge, DesktopState } from './desktop-seconds.js';

/** Seconds by state of one pool in one hour. */
export type Seconds = Record<DesktopState, number>;
/** Hour start (ms) → seconds. */
export type PoolHours = Map<number, Seconds>;

const FIELD = { 'running-held': 'runningHeld', 'running-free': 'runningFree', halted: 'halted' } as const;
const zero = (): Seconds => ({ 'running-held': 0, 'running-free': 0, halted: 0 });

export const poolKeyOf = (p: { namespace: string; pool: string }): string => `${p.namespace}/${p.pool}`;

/** Unwritten seconds per pool (namespace/name) and hour. */
export class UnwrittenHours {
  private readonly pools = new Map<string, PoolHours>();

  /** Adds a stretch of one desktop's time, split at the hours it spans. */
  add(charge: Charge): void {
    if (charge.toMs <= charge.fromMs) return;
    const key = poolKeyOf(charge.place);
    const hours = this.pools.get(key) ?? new Map<number, Seconds>();
    this.pools.set(key, hours);
    for (let from = charge.fromMs; from < charge.toMs; ) {
      const start = hourStart(from);
      const to = Math.min(charge.toMs, start + HOUR_MS);
      const seconds = hours.get(start) ?? zero();
      seconds[charge.place.state] += (to - from) / 1000;
      hours.set(start, seconds);
      from = to;
    }
  }

  /** Pools with seconds in an hour that started before `beforeMs`. */
  poolsWithHoursBefore(beforeMs: number): string[] {
    return [...this.pools].filter(([, hours]) => [...hours.keys()].some((h) => h < beforeMs)).map(([key]) => key);
  }

  /** Takes a pool's seconds of the hours that started before `beforeMs` (all hours: Infinity) out, to be written. */
  take(pool: string, beforeMs: number): PoolHours {
    const hours = this.pools.get(pool);
    const taken: PoolHours = new Map();
    if (!hours) return taken;
    for (const [start, seconds] of hours) {
      if (start >= beforeMs) continue;
      taken.set(start, seconds);
      hours.delete(start);
    }
    if (hours.size === 0) this.pools.delete(pool);
    return taken;
  }

  /** Puts seconds back that could not be written, to be written with the next ones. */
  putBack(pool: string, taken: PoolHours): void {
    const hours = this.pools.get(pool) ?? new Map<number, Seconds>();
    this.pools.set(pool, hours);
    for (const [start, seconds] of taken) {
      const into = hours.get(start) ?? zero();
      for (const state of Object.keys(FIELD) as DesktopState[]) into[state] += seconds[state];
      hours.set(start, into);
    }
  }

  clear(): void {
    this.pools.clear();
  }
}

/**
 * The status's hours with `added` summed in: whole seconds, oldest first, and only the hours that
 * began within the last day of `nowMs` (its current hour and the 24 before it).
 */
export function mergeHours(previous: readonly HourUsage[], added: PoolHours, nowMs: number): HourUsage[] {
  const oldest = hourStart(nowMs) - (USAGE_HOURS - 1) * HOUR_MS;
  const byStart = new Map<number, HourUsage>();
  for (const hour of previous) {
    const start = Date.parse(hour.start);
    if (Number.isFinite(start)) byStart.set(start, { ...hour });
  }
  for (const [start, seconds] of added) {
    const hour = byStart.get(start) ?? {
      start: isoSeconds(new Date(start)),
      runningHeld: 0,
      runningFree: 0,
      halted: 0,
    };
    for (const state of Object.keys(FIELD) as DesktopState[]) {
      hour[FIELD[state]] = Math.round(hour[FIELD[state]] + seconds[state]);
    }
    byStart.set(start, hour);
  }
  return [...byStart]
    .filter(([start]) => start >= oldest && start <= hourStart(nowMs))
    .sort(([a], [b]) => a - b)
    .map(([, hour]) => hour);
}

/**
 * Which of two versions of a pool's hours to build on: the cache's, unless this process wrote a
 * newer one the watch has not brought back yet (its newest hour is later, or equal and larger).
 */
export function newerHours(
  cached: readonly HourUsage[],
  written: readonly HourUsage[] | undefined,
): readonly HourUsage[] {
  if (!written?.length) return cached;
  const last = (hours: readonly HourUsage[]) => hours.at(-1);
  const a = last(cached);
  const b = last(written);
  if (!a || !b) return a ? cached : written;
  const startA = Date.parse(a.start);
  const startB = Date.parse(b.start);
  if (startB !== startA) return startB > startA ? written : cached;
  const total = (h: HourUsage) => h.runningHeld + h.runningFree + h.halted;
  return total(b) > total(a) ? written : cached;
}
