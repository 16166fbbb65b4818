// The recent peak of held desktops: one number a day, by the schedule's time zone, for a week and a day.
import { describe, expect, it } from 'vitest';
import { heldPeak, recordHeld } from '../../src/controllers/capacity-peak.js';

describe('recordHeld', () => {
  const monday = new Date('2026-03-23T09:00:00Z');

  it('starts a day with what is held now and raises it, never lowers it', () => {
    const first = recordHeld(undefined, 3, monday, 'Europe/Berlin');
    expect(first).toEqual([{ date: '2026-03-23', held: 3 }]);
    expect(recordHeld(first, 7, monday, 'Europe/Berlin')).toEqual([{ date: '2026-03-23', held: 7 }]);
    expect(recordHeld([{ date: '2026-03-23', held: 7 }], 2, monday, 'Europe/Berlin')).toEqual([
      { date: '2026-03-23', held: 7 },
    ]);
  });

  it('counts by the local date: late Monday in New York is Monday there', () => {
    expect(recordHeld(undefined, 1, new Date('2026-03-24T02:30:00Z'), 'America/New_York')).toEqual([
      { date: '2026-03-23', held: 1 },
    ]);
  });

  it('keeps today and the seven days before, and what percentages are of is their most', () => {
    const days = Array.from({ length: 9 }, (_, i) => ({
      date: `2026-03-${String(14 + i).padStart(2, '0')}`,
      held: 40 - i,
    }));
    const peaks = recordHeld(days, 5, monday, 'Europe/Berlin');
    expect(peaks.map((p) => p.date)).toEqual([
      '2026-03-16',
      '2026-03-17',
      '2026-03-18',
      '2026-03-19',
      '2026-03-20',
      '2026-03-21',
      '2026-03-22',
      '2026-03-23',
    ]);
    expect(heldPeak(peaks)).toBe(38); // the 16th; the 14th and 15th are gone
  });

  it('forgets days after today (a clock set back)', () => {
    expect(recordHeld([{ date: '2026-04-01', held: 9 }], 1, monday, 'UTC')).toEqual([{ date: '2026-03-23', held: 1 }]);
  });
});
