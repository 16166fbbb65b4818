// A pool's Prometheus series: desktop-seconds by state (desktop-seconds.ts, brought up to now
// before every scrape), and gauges of its warm target and desktops by state. The pool controller
// tells it what it saw at each reconcile and when a pool is gone.
import type { Clock } from '../runtime/clock.js';
import { splitKey } from '../runtime/controller.js';
import type { Metrics } from '../runtime/metrics.js';
import { costStates, DESKTOP_STATES, DesktopSecondsMeter } from './desktop-seconds.js';
import type { DesktopState } from './pool-plan.js';

export class PoolMetrics {
  private readonly meter: DesktopSecondsMeter;

  constructor(
    private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {
    this.meter = new DesktopSecondsMeter((labels, seconds) => metrics.desktopSeconds.inc(labels, seconds));
    metrics.beforeScrape = () => this.meter.flush(clock.now());
  }

  /** What a pool's desktops are doing (and so cost) now, and its warm target. */
  observe(key: string, states: readonly DesktopState[], warmTarget: number, now: Date): void {
    const counts = costStates(states);
    this.meter.observe(key, counts, now);
    const { namespace, name: pool } = splitKey(key);
    this.metrics.warmTarget.set({ namespace, pool }, warmTarget);
    for (const state of DESKTOP_STATES) this.metrics.poolDesktops.set({ namespace, pool, state }, counts[state]);
  }

  /** A pool gone: its seconds so far are counted, its gauges go. */
  forget(key: string): void {
    this.meter.observe(key, undefined, this.clock.now());
    const { namespace, name: pool } = splitKey(key);
    this.metrics.warmTarget.remove({ namespace, pool });
    for (const state of DESKTOP_STATES) this.metrics.poolDesktops.remove({ namespace, pool, state });
  }
}
