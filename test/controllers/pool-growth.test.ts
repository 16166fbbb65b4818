// How many desktops a pool that grows on demand keeps: a table of demand, minimum and size, and
// the delay before surplus goes, which is kept in the status across operator restarts.
import { describe, expect, it } from 'vitest';
import { Growth, type GrowthStatus } from '../../src/api/growth.js';
import { type GrowthInput, growthSize } from '../../src/controllers/pool-growth.js';

const now = new Date('2026-03-23T09:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString().replace('.000Z', 'Z');
const input = (over: Omit<Partial<GrowthInput>, 'growth'> & { growth?: Record<string, unknown> }): GrowthInput => ({
  maxSize: 20,
  warm: 0,
  use: { held: 0, waiting: 0, desktops: 0 },
  mayShrink: true,
  previous: undefined,
  now,
  ...over,
  growth: Growth.parse({ minSize: 2, spare: 1, removeAfterMinutes: 30, ...over.growth }),
});
const previous = (targetSize: number, surplusSince?: string): GrowthStatus => ({
  targetSize,
  ...(surplusSince ? { surplusSince } : {}),
});

describe('growthSize', () => {
  it.each([
    ['nobody there: the minimum', input({}), 2, undefined],
    ['held, waiting and spare', input({ use: { held: 5, waiting: 3, desktops: 6 } }), 9, undefined],
    [
      'the warm count when it is more than the spare',
      input({ warm: 4, use: { held: 5, waiting: 0, desktops: 9 } }),
      9,
      undefined,
    ],
    ['never more than size', input({ use: { held: 18, waiting: 7, desktops: 18 } }), 20, undefined],
    ['up at once', input({ previous: previous(4), use: { held: 6, waiting: 1, desktops: 4 } }), 8, undefined],
    [
      'down: the surplus waits out the delay from when demand fell',
      input({ previous: previous(9), use: { held: 3, waiting: 0, desktops: 9 } }),
      9,
      '2026-03-23T09:30:00Z',
    ],
    [
      'still waiting, counted from the time in the status',
      input({ previous: previous(9, minutesAgo(20)), use: { held: 3, waiting: 0, desktops: 9 } }),
      9,
      '2026-03-23T09:10:00Z',
    ],
    [
      'the delay over: down to demand',
      input({ previous: previous(9, minutesAgo(30)), use: { held: 3, waiting: 0, desktops: 9 } }),
      4,
      undefined,
    ],
    [
      'demand back up during the delay: the surplus is kept and the wait forgotten',
      input({ previous: previous(9, minutesAgo(20)), use: { held: 8, waiting: 0, desktops: 9 } }),
      9,
      undefined,
    ],
    [
      'a pool that may not shrink (Persistent, Automatic) keeps what it has',
      input({ mayShrink: false, previous: previous(9, minutesAgo(60)), use: { held: 3, waiting: 0, desktops: 9 } }),
      9,
      undefined,
    ],
    [
      '... but follows size down when an administrator scales in',
      input({ mayShrink: false, maxSize: 6, use: { held: 3, waiting: 0, desktops: 9 } }),
      6,
      undefined,
    ],
    [
      'a minimum raised above what is kept: up at once',
      input({ growth: { minSize: 12 }, previous: previous(9, minutesAgo(5)) }),
      12,
      undefined,
    ],
  ])('%s', (_, given, size, recheckAt) => {
    const answer = growthSize(given);
    expect(answer.size).toBe(size);
    expect(answer.status.targetSize).toBe(size);
    expect(answer.recheckAt?.toISOString().replace('.000Z', 'Z')).toBe(recheckAt);
    if (recheckAt) expect(answer.status.surplusSince).toBeDefined();
    else expect(answer.status.surplusSince).toBeUndefined();
  });

  it('says how many claims wait, and only when some do', () => {
    expect(growthSize(input({ use: { held: 1, waiting: 2, desktops: 1 } })).status).toEqual({
      targetSize: 4,
      waitingClaims: 2,
    });
    expect(growthSize(input({})).status).toEqual({ targetSize: 2 });
  });
});
