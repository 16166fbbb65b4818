// What a pool wants now, resolved once from its spec: how many desktops, how many of the idle ones
// kept running (warm) for a fast logon, how many may be unavailable at once for a rollout, and
// whether it changes anything at all. The plan (pool-plan.ts) and the status (pool-status.ts) both
// read this one answer, so they can never disagree on, say, the warm count. A capacity schedule
// (a warm count that follows the time of day) is resolved here too when it comes. Pure.
import type { VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import { resolveMaxUnavailable } from './pool-plan.js';

export interface PoolIntent {
  /** Desktops the pool keeps (held ones above it stay until released). */
  size: number;
  /** Idle desktops kept running so a logon need not wait for a boot. */
  prestarted: number;
  /** Paused: no desktop is created, removed or updated. */
  paused: boolean;
  persistence: VirtualDesktopPoolSpec['persistence'];
  updateStrategy: VirtualDesktopPoolSpec['updateStrategy']['type'];
  /** Desktops a rollout may take away at once, as a number (a percentage resolved against size). */
  maxUnavailable: number;
}

export function poolIntent(spec: VirtualDesktopPoolSpec): PoolIntent {
  return {
    size: spec.size,
    prestarted: spec.prestarted,
    paused: spec.paused,
    persistence: spec.persistence,
    updateStrategy: spec.updateStrategy.type,
    maxUnavailable: resolveMaxUnavailable(spec.updateStrategy.maxUnavailable, spec.size),
  };
}
