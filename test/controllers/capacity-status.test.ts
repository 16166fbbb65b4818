// What a pool's status and Events say about its capacity: the warm target and when it changes
// next in the schedule's own time zone, and one Event a person understands per change.
import { describe, expect, it } from 'vitest';
import type { CapacityNow } from '../../src/api/capacity-schedule.js';
import { VirtualDesktopPoolSpec } from '../../src/api/virtualdesktoppool.js';
import { capacityChange, capacityStatus } from '../../src/controllers/capacity-status.js';

const spec = VirtualDesktopPoolSpec.parse({
  templateRef: { name: 't' },
  size: 10,
  capacity: { timeZone: 'Europe/Berlin' },
});
const friday = new Date('2026-03-27T17:00:00Z'); // 18:00 in Berlin
const inWindow: CapacityNow = {
  phase: 'InWindow',
  window: 'office-hours',
  warm: 10,
  next: { at: new Date('2026-03-27T17:00:00Z'), phase: 'RampDown', window: 'office-hours', warm: 10 },
};

describe('capacityStatus', () => {
  it('gives the next change in the schedule’s time zone, and the peaks percentages are of', () => {
    expect(capacityStatus(spec, inWindow, [{ date: '2026-03-27', held: 7 }])).toEqual({
      phase: 'InWindow',
      window: 'office-hours',
      warmTarget: 10,
      nextChange: '2026-03-27T18:00:00+01:00',
      nextWarmTarget: 10,
      heldPeak: 7,
      dailyPeaks: [{ date: '2026-03-27', held: 7 }],
    });
  });

  it('shows a pool without a schedule as Fixed', () => {
    const fixed = VirtualDesktopPoolSpec.parse({ templateRef: { name: 't' }, size: 10, prestarted: 2 });
    expect(capacityStatus(fixed, { phase: 'Fixed', warm: 2 }, undefined)).toEqual({ phase: 'Fixed', warmTarget: 2 });
  });
});

describe('capacityChange', () => {
  const shown = { phase: 'InWindow' as const, window: 'office-hours', warmTarget: 10 };
  const rampDown: CapacityNow = {
    phase: 'RampDown',
    window: 'office-hours',
    warm: 10,
    next: { at: new Date('2026-03-27T17:30:00Z'), phase: 'OffPeak', warm: 0 },
  };
  const offPeak: CapacityNow = {
    phase: 'OffPeak',
    warm: 0,
    next: { at: new Date('2026-03-30T06:00:00Z'), phase: 'InWindow', window: 'office-hours', warm: 10 },
  };

  it.each([
    ['nothing changed', shown, inWindow, undefined],
    ['a new pool (nothing shown before)', undefined, inWindow, undefined],
    [
      'a window opening',
      { phase: 'OffPeak' as const, warmTarget: 0 },
      inWindow,
      {
        reason: 'WindowOpened',
        note: 'Window office-hours opened: 10 desktops kept warm until 18:00 (Europe/Berlin)',
      },
    ],
    [
      'a window closing',
      shown,
      rampDown,
      {
        reason: 'RampingDown',
        note: 'The warm count went down after window office-hours: 10 desktops stay warm until 18:30, then 0; desktops users hold are not touched (Europe/Berlin)',
      },
    ],
    [
      'the delay over',
      { phase: 'RampDown' as const, window: 'office-hours', warmTarget: 10 },
      offPeak,
      { reason: 'OffPeak', note: 'Off-peak: 0 desktops kept warm until Monday 08:00 (Europe/Berlin)' },
    ],
    [
      'a busier week raising a percentage',
      shown,
      { ...inWindow, warm: 12 },
      {
        reason: 'WarmTargetChanged',
        note: '12 desktops kept warm (was 10) in window office-hours until 18:00 (Europe/Berlin)',
      },
    ],
  ])('%s', (_, previous, now, expected) => {
    expect(capacityChange(previous, now, 'Europe/Berlin', friday)).toEqual(expected);
  });

  it('says nothing for a pool without a schedule', () => {
    expect(capacityChange({ phase: 'Fixed', warmTarget: 1 }, { phase: 'Fixed', warm: 2 }, undefined, friday)).toBe(
      undefined,
    );
  });
});
