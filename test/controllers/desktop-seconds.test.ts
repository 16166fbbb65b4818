import { describe, expect, it } from 'vitest';
import { HOLDER_ANNOTATION } from '../../src/api/annotations.js';
import { LABELS } from '../../src/api/labels.js';
import {
  type Charge,
  chargeSeconds,
  DesktopLedger,
  type Place,
  placeKey,
  placeOf,
} from '../../src/controllers/desktop-seconds.js';

const vm = (printableStatus: string | undefined, holder?: string, pool = 'sales') => ({
  metadata: {
    name: 'sales-0',
    namespace: 'team',
    labels: { [LABELS.pool]: pool },
    annotations: (holder ? { [HOLDER_ANNOTATION]: holder } : {}) as Record<string, string>,
  },
  spec: { runStrategy: 'Always' },
  ...(printableStatus ? { status: { printableStatus } } : {}),
});

const at = (state: Place['state'], pool = 'sales'): Place => ({ namespace: 'team', pool, state });

/** Seconds charged per place, summed. */
function totals(charges: Charge[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const c of charges) sums[placeKey(c.place)] = (sums[placeKey(c.place)] ?? 0) + chargeSeconds(c);
  return sums;
}

describe('the state a desktop is billed in', () => {
  it('is running while KubeVirt has a VMI for it, from Starting to Stopping, held or free by its holder', () => {
    for (const status of ['Starting', 'Running', 'Paused', 'Migrating', 'Stopping', 'Terminating']) {
      expect(placeOf(vm(status))?.state, status).toBe('running-free');
      expect(placeOf(vm(status, 'alice'))?.state, status).toBe('running-held');
    }
  });

  it('is halted when only its disks exist: stopped, provisioning, unschedulable, crash-looping or not seen yet', () => {
    for (const status of [
      'Stopped',
      'Provisioning',
      'ErrorUnschedulable',
      'CrashLoopBackOff',
      'WaitingForVolumeBinding',
    ]) {
      expect(placeOf(vm(status, 'alice'))?.state, status).toBe('halted');
    }
    // Told to run (runStrategy Always) but KubeVirt has not started it: not billed as running.
    expect(placeOf(vm(undefined))?.state).toBe('halted');
  });

  it('belongs to the pool its label names; a VM of no pool is not counted', () => {
    expect(placeOf(vm('Running', undefined, 'lab'))).toEqual({ namespace: 'team', pool: 'lab', state: 'running-free' });
    expect(placeOf({ metadata: { name: 'x', namespace: 'team' } })).toBeUndefined();
  });
});

describe('the desktop ledger', () => {
  it('charges each stretch of time to the state the desktop was in, and starts a new state at zero', () => {
    const ledger = new DesktopLedger();
    // Powered on, free, from t=0; held from t=10 s; halted from t=70 s; gone at t=100 s.
    expect(ledger.observe('team/sales-0', at('running-free'), 0)).toEqual([
      { place: at('running-free'), fromMs: 0, toMs: 0 },
    ]);
    const charges = [
      ...ledger.observe('team/sales-0', at('running-held'), 10_000),
      ...ledger.observe('team/sales-0', at('running-held'), 40_000), // another change, same state
      ...ledger.observe('team/sales-0', at('halted'), 70_000),
      ...ledger.observe('team/sales-0', undefined, 100_000),
    ];
    expect(totals(charges)).toEqual({
      'team/sales/running-free': 10,
      'team/sales/running-held': 60,
      'team/sales/halted': 30,
    });
    // The same state again is not a new series: no zero charge for it.
    expect(charges.filter((c) => c.fromMs === c.toMs).map((c) => c.place.state)).toEqual(['running-held', 'halted']);
    expect(ledger.counts()).toEqual([]);
  });

  it('settles everyone up to now, and the next settle charges only what came after', () => {
    const ledger = new DesktopLedger();
    ledger.observe('team/a', at('running-free'), 0);
    ledger.observe('team/b', at('running-free'), 5_000);
    ledger.observe('team/c', at('halted'), 0);
    expect(totals(ledger.settle(30_000))).toEqual({ 'team/sales/running-free': 55, 'team/sales/halted': 30 });
    expect(totals(ledger.settle(31_000))).toEqual({ 'team/sales/running-free': 2, 'team/sales/halted': 1 });
    expect(ledger.counts()).toEqual([
      { place: at('running-free'), desktops: 2 },
      { place: at('halted'), desktops: 1 },
    ]);
  });

  it('never charges negative time when the clock goes back, and resumes once it passes the last charge', () => {
    const ledger = new DesktopLedger();
    ledger.observe('team/a', at('running-free'), 60_000);
    expect(totals(ledger.settle(0))).toEqual({ 'team/sales/running-free': 0 });
    expect(totals(ledger.settle(90_000))).toEqual({ 'team/sales/running-free': 30 });
  });

  it('adds up to desktops × time however often it is settled (the counter is exact at every scrape)', () => {
    const ledger = new DesktopLedger();
    for (let i = 0; i < 3; i++) ledger.observe(`team/d${i}`, at('running-held'), 0);
    let sum = 0;
    for (const t of [1_000, 7_000, 250_000, 999_000, 3_600_000]) {
      for (const c of ledger.settle(t)) sum += chargeSeconds(c);
    }
    expect(sum).toBe(3 * 3600);
  });
});
