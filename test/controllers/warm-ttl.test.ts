// Since when warm desktops wait unclaimed, and which are past their time-to-live.
import { describe, expect, it } from 'vitest';
import type { DesktopState } from '../../src/controllers/pool-plan.js';
import { warmAges } from '../../src/controllers/warm-ttl.js';

const desktop = (index: number, over: Partial<DesktopState> = {}): DesktopState => ({
  name: `p-${index}`,
  index,
  revision: 1,
  assigned: false,
  running: true,
  ready: true,
  deleting: false,
  ...over,
});
const at = (minutes: number) => new Date(Date.UTC(2026, 2, 23, 8, minutes));

describe('warmAges', () => {
  it('counts from when a desktop is first seen warm, and only warm, unclaimed ones', () => {
    const desktops = [
      desktop(0),
      desktop(1, { assigned: true }),
      desktop(2, { running: false, ready: false }),
      desktop(3, { ready: false }),
      desktop(4, { deleting: true }),
    ];
    const first = warmAges(undefined, desktops, at(0), 60);
    expect([...first.since]).toEqual([['p-0', at(0).getTime()]]);
    expect(first).toMatchObject({ expired: [], nextExpiry: at(60) });

    // p-3 turns ready; p-0 keeps its time.
    const later = warmAges(first.since, [desktop(0), desktop(3)], at(30), 60);
    expect([...later.since]).toEqual([
      ['p-0', at(0).getTime()],
      ['p-3', at(30).getTime()],
    ]);
    expect(warmAges(later.since, [desktop(0), desktop(3)], at(60), 60)).toMatchObject({
      expired: ['p-0'],
      nextExpiry: at(90),
    });
  });

  it('starts again for a desktop that was claimed and came back', () => {
    const first = warmAges(undefined, [desktop(0)], at(0), 60);
    const held = warmAges(first.since, [desktop(0, { assigned: true })], at(10), 60);
    expect(warmAges(held.since, [desktop(0)], at(70), 60)).toMatchObject({ expired: [], nextExpiry: at(130) });
  });

  it('expires nothing without a time-to-live', () => {
    const first = warmAges(undefined, [desktop(0)], at(0), undefined);
    expect(warmAges(first.since, [desktop(0)], at(10_000), undefined)).toMatchObject({ expired: [] });
    expect(warmAges(first.since, [desktop(0)], at(10_000), undefined).nextExpiry).toBeUndefined();
  });
});
