import { describe, expect, it } from 'vitest';
import { VirtualDesktopPoolSpec } from '../../src/api/virtualdesktoppool.js';
import { poolIntent } from '../../src/controllers/pool-intent.js';

const spec = (over: Record<string, unknown>) => VirtualDesktopPoolSpec.parse({ templateRef: { name: 't' }, ...over });
// Monday 23 March 2026, 10:00 in Berlin.
const moment = { now: new Date('2026-03-23T09:00:00Z'), heldPeak: 0 };

describe('poolIntent', () => {
  it.each([
    ['the defaults', { size: 8 }, { size: 8, prestarted: 0, paused: false, maxUnavailable: 2 }],
    ['a warm count', { size: 8, prestarted: 3 }, { prestarted: 3, capacity: { phase: 'Fixed', warm: 3 } }],
    ['paused', { size: 8, paused: true }, { paused: true }],
    ['a number of desktops', { size: 8, updateStrategy: { maxUnavailable: 5 } }, { maxUnavailable: 5 }],
    ['a percentage rounded down', { size: 7, updateStrategy: { maxUnavailable: '50%' } }, { maxUnavailable: 3 }],
    ['a percentage of nothing', { size: 0, updateStrategy: { maxUnavailable: '100%' } }, { maxUnavailable: 0 }],
  ])('%s', (_, given, wanted) => {
    expect(poolIntent(spec(given), moment)).toMatchObject(wanted);
  });

  it('carries how a rollout goes', () => {
    const intent = poolIntent(
      spec({ size: 2, persistence: 'Persistent', updateStrategy: { type: 'Manual', maxUnavailable: 1 } }),
      moment,
    );
    expect(intent).toEqual({
      size: 2,
      pacedRemovals: false,
      prestarted: 0,
      capacity: { phase: 'Fixed', warm: 0 },
      warmTimeToLiveMinutes: undefined,
      paused: false,
      persistence: 'Persistent',
      updateStrategy: 'Manual',
      maxUnavailable: 1,
    });
  });

  it('takes the warm count from the schedule at that moment, a percentage of the peak it is given', () => {
    const scheduled = spec({
      size: 50,
      capacity: {
        timeZone: 'Europe/Berlin',
        schedules: [{ name: 'day', days: ['Monday'], from: '08:00', to: '18:00', warm: '10%', minWarm: 2 }],
        offPeakWarm: 1,
        warmTimeToLiveMinutes: 240,
      },
    });
    expect(poolIntent(scheduled, { ...moment, heldPeak: 45 })).toMatchObject({
      prestarted: 5,
      capacity: { phase: 'InWindow', window: 'day', warm: 5 },
      warmTimeToLiveMinutes: 240,
    });
    expect(poolIntent(scheduled, { now: new Date('2026-03-23T20:00:00Z'), heldPeak: 45 })).toMatchObject({
      prestarted: 1,
      capacity: { phase: 'OffPeak', warm: 1 },
    });
  });

  it('keeps as many desktops as demand asks with growth on demand, the warm ones among them', () => {
    const growing = spec({
      size: 100,
      prestarted: 3,
      growth: { minSize: 2, spare: 1 },
    });
    const use = { held: 10, waiting: 4, desktops: 12 };
    expect(poolIntent(growing, { ...moment, use })).toMatchObject({
      size: 17, // 10 held + 4 waiting + 3 warm (more than 1 spare)
      pacedRemovals: true,
      prestarted: 3,
      growth: { size: 17, status: { targetSize: 17, waitingClaims: 4 } },
    });
  });
});
