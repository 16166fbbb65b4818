// Desktop-seconds by state: each interval counted at the desktops seen at its start, up to a
// scrape, and nothing for a clock set back or a pool that is gone.
import { describe, expect, it } from 'vitest';
import { costStates, DesktopSecondsMeter } from '../../src/controllers/desktop-seconds.js';
import type { DesktopState } from '../../src/controllers/pool-plan.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 2, 23, 8, 0, seconds));

function meter() {
  const added = new Map<string, number>();
  const m = new DesktopSecondsMeter(({ namespace, pool, state }, seconds) => {
    const key = `${namespace}/${pool}/${state}`;
    added.set(key, (added.get(key) ?? 0) + seconds);
  });
  return { m, added };
}

describe('DesktopSecondsMeter', () => {
  it('counts each interval at what was seen at its start, and brings every pool up to a scrape', () => {
    const { m, added } = meter();
    m.observe('vdi/sales', { held: 2, free: 3, halted: 5 }, at(0));
    m.observe('vdi/sales', { held: 3, free: 2, halted: 5 }, at(10)); // someone logged on at 10 s
    m.flush(at(40));
    expect(Object.fromEntries(added)).toEqual({
      'vdi/sales/held': 2 * 10 + 3 * 30,
      'vdi/sales/free': 3 * 10 + 2 * 30,
      'vdi/sales/halted': 5 * 40,
    });
  });

  it('adds nothing for a clock set back, and stops counting a pool that is gone', () => {
    const { m, added } = meter();
    m.observe('vdi/lab', { held: 1, free: 0, halted: 0 }, at(100));
    m.observe('vdi/lab', { held: 1, free: 0, halted: 0 }, at(50));
    m.observe('vdi/lab', undefined, at(60));
    m.flush(at(1000));
    expect(Object.fromEntries(added)).toEqual({ 'vdi/lab/held': 10 });
  });
});

describe('costStates', () => {
  it('counts running desktops as held or free and the rest as halted, leaving out those being deleted', () => {
    const d = (over: Partial<DesktopState>): DesktopState => ({
      name: 'x',
      index: 0,
      revision: 1,
      assigned: false,
      running: false,
      ready: false,
      deleting: false,
      ...over,
    });
    expect(
      costStates([
        d({ running: true, assigned: true }),
        d({ running: true }),
        d({ running: true }),
        d({ assigned: true }), // held but powered off (idle policy PowerOff): halted
        d({}),
        d({ running: true, deleting: true }),
      ]),
    ).toEqual({ held: 1, free: 2, halted: 2 });
  });
});
