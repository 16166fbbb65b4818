// What a pool wants now, resolved once from its spec, its recent use and the time: how many
// desktops (`size`, or as many as demand asks with growth on demand: pool-growth.ts), how many of
// the idle ones kept running (warm) for a fast logon — `prestarted` day and night, or what the
// capacity schedule says for this moment (capacity-schedule.ts) — how many may be unavailable at
// once for a rollout, and whether it changes anything at all. The plan
// (pool-plan.ts) and the status (pool-status.ts) both read this one answer, so they can never
// disagree on, say, the warm count. Pure.
import type { GrowthStatus } from '../api/growth.js';
import type { VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import { type CapacityNow, capacityAt } from './capacity-schedule.js';
import { type GrowthAnswer, growthSize, type PoolUse } from './pool-growth.js';
import { resolveMaxUnavailable } from './pool-plan.js';

export interface PoolIntent {
  /** Desktops the pool keeps (held ones above it stay until released). */
  size: number;
  /** With growth on demand: how that size came about, for the status. */
  growth?: GrowthAnswer;
  /** Removals wait for the rollout budget (maxUnavailable), as growth on demand asks. */
  pacedRemovals: boolean;
  /** Idle desktops kept running so a logon need not wait for a boot: the warm target now. */
  prestarted: number;
  /** Where the warm target comes from and when it changes next (phase Fixed: from prestarted). */
  capacity: CapacityNow;
  /** Warm desktops unclaimed this long are replaced by fresh ones; undefined: never. */
  warmTimeToLiveMinutes: number | undefined;
  /** Paused: no desktop is created, removed or updated. */
  paused: boolean;
  persistence: VirtualDesktopPoolSpec['persistence'];
  updateStrategy: VirtualDesktopPoolSpec['updateStrategy']['type'];
  /** Desktops a rollout may take away at once, as a number (a percentage resolved against size). */
  maxUnavailable: number;
}

export interface PoolMoment {
  /** The time by the operator's clock. */
  now: Date;
  /** The most desktops held at once over the last week (capacity-peak.ts): what percentages are of. */
  heldPeak: number;
  /** What the pool's desktops and claims are doing now, for growth on demand. */
  use?: PoolUse;
  /** Growth's status as last written: since when a surplus waits. */
  previousGrowth?: GrowthStatus;
}

export function poolIntent(spec: VirtualDesktopPoolSpec, moment: PoolMoment): PoolIntent {
  const capacity: CapacityNow = spec.capacity
    ? capacityAt(spec.capacity, moment.heldPeak, moment.now)
    : { phase: 'Fixed', warm: spec.prestarted };
  const growth = spec.growth
    ? growthSize({
        growth: spec.growth,
        maxSize: spec.size,
        warm: capacity.warm,
        use: moment.use ?? { held: 0, waiting: 0, desktops: 0 },
        mayShrink: spec.persistence === 'Stateless' || spec.assignment === 'Manual',
        previous: moment.previousGrowth,
        now: moment.now,
      })
    : undefined;
  return {
    size: growth?.size ?? spec.size,
    ...(growth ? { growth } : {}),
    pacedRemovals: Boolean(growth),
    prestarted: capacity.warm,
    capacity,
    warmTimeToLiveMinutes: spec.persistence === 'Stateless' ? spec.capacity?.warmTimeToLiveMinutes : undefined,
    paused: spec.paused,
    persistence: spec.persistence,
    updateStrategy: spec.updateStrategy.type,
    maxUnavailable: resolveMaxUnavailable(spec.updateStrategy.maxUnavailable, spec.size),
  };
}
