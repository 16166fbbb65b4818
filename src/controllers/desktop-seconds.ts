// What a pool's desktops cost, as time: each desktop is in one state at a time — powered on and
// held by someone, powered on and free (the warm buffer), or halted (only its disks remain) — and
// every second it spends there is charged to its pool and that state. Pure: the caller says what
// the informer shows and when; the ledger answers with the stretches of time to charge.
import { type DesktopObject, desktopFacts } from '../api/desktop-facts.js';
import { LABELS } from '../api/labels.js';

export const DESKTOP_STATES = ['running-held', 'running-free', 'halted'] as const;
export type DesktopState = (typeof DESKTOP_STATES)[number];

/**
 * KubeVirt's printableStatus values in which a VMI exists and its virt-launcher pod holds a node's
 * CPU and memory: from Starting (scheduled, booting) to Stopping (shutting down). Everything else —
 * Stopped, Provisioning, WaitingForVolumeBinding, ErrorUnschedulable, CrashLoopBackOff, no status
 * yet — costs storage only, so it counts as halted. Observed, not asked for: a desktop told to run
 * that cannot be scheduled is not billed as running.
 */
const RUNNING = new Set(['Starting', 'Running', 'Paused', 'Migrating', 'Stopping', 'Terminating']);

/** Where a desktop's time goes: its pool and its state. */
export interface Place {
  namespace: string;
  pool: string;
  state: DesktopState;
}

/** `seconds` of one desktop's time at `place`, the stretch [fromMs, toMs) of the caller's clock. */
export interface Charge {
  place: Place;
  fromMs: number;
  toMs: number;
}

export const chargeSeconds = (c: Charge): number => (c.toMs - c.fromMs) / 1000;

/** The place of a desktop as the informer shows it; undefined for a VM that belongs to no pool. */
export function placeOf(vm: DesktopObject & { metadata?: { namespace?: string } }): Place | undefined {
  const pool = vm.metadata?.labels?.[LABELS.pool];
  const namespace = vm.metadata?.namespace;
  if (!pool || !namespace) return undefined;
  const facts = desktopFacts(vm);
  const running = RUNNING.has(facts.state ?? '');
  const state: DesktopState = !running ? 'halted' : facts.holder ? 'running-held' : 'running-free';
  return { namespace, pool, state };
}

export const placeKey = (p: Place): string => `${p.namespace}/${p.pool}/${p.state}`;
const samePlace = (a: Place, b: Place) => a.namespace === b.namespace && a.pool === b.pool && a.state === b.state;

/**
 * Each desktop's place and since when it has been there (uncharged). Level-triggered: `observe`
 * takes the desktop as it is now, whatever happened in between, and `settle` charges everyone up
 * to now (before a scrape), so the totals are exact at every scrape without a timer.
 */
export class DesktopLedger {
  private readonly desktops = new Map<string, { place: Place; sinceMs: number }>();

  /**
   * Desktop `key` is at `place` from `nowMs` on (undefined: gone, or in no pool). Returns the time
   * it spent at its previous place, and a zero charge when it enters a new one, so that a counter
   * series starts at 0 and its first increase is not lost.
   */
  observe(key: string, place: Place | undefined, nowMs: number): Charge[] {
    const was = this.desktops.get(key);
    const charges: Charge[] = [];
    if (was) charges.push(this.charge(was, nowMs));
    if (!place) {
      this.desktops.delete(key);
      return charges;
    }
    if (!was || !samePlace(was.place, place)) charges.push({ place, fromMs: nowMs, toMs: nowMs });
    this.desktops.set(key, { place, sinceMs: nowMs });
    return charges;
  }

  /** Charges every desktop's time up to `nowMs`. */
  settle(nowMs: number): Charge[] {
    return [...this.desktops.values()].map((d) => this.charge(d, nowMs));
  }

  /** Desktops at each place now. */
  counts(): { place: Place; desktops: number }[] {
    const byKey = new Map<string, { place: Place; desktops: number }>();
    for (const { place } of this.desktops.values()) {
      const key = placeKey(place);
      const entry = byKey.get(key) ?? { place, desktops: 0 };
      entry.desktops += 1;
      byKey.set(key, entry);
    }
    return [...byKey.values()];
  }

  /** Forgets everyone (leadership lost: the next leader counts from its own start). */
  clear(): void {
    this.desktops.clear();
  }

  /** Charges one desktop's stretch and starts the next one at `nowMs`; a clock that went back charges nothing. */
  private charge(entry: { place: Place; sinceMs: number }, nowMs: number): Charge {
    const fromMs = entry.sinceMs;
    const toMs = Math.max(fromMs, nowMs);
    entry.sinceMs = toMs;
    return { place: entry.place, fromMs, toMs };
  }
}
