import { describe, expect, it } from 'vitest';
import { lastDayCell, lastDayText } from '../src/portal/web/admin/usage-text.js';
import type { TimeFormat } from '../src/portal/web/words.js';

const utc: TimeFormat = { clock: (d) => d.toISOString().slice(11, 16), day: (d) => d.toISOString().slice(0, 10) };
const day = {
  from: '2026-12-06T14:00:00.000Z',
  to: '2026-12-07T14:00:00.000Z',
  runningHeld: 23,
  runningFree: 24,
  halted: 25.04,
  hoursCounted: 24,
};
const now = new Date('2026-12-07T14:20:00Z');

describe('a pool’s last day in words', () => {
  it('gives powered-on hours (held and warm) apart from halted ones, to which hour, from whose count', () => {
    expect(lastDayCell(day)).toEqual(['47.0 running', '25.0 halted']);
    expect(lastDayText(day, now, utc)).toBe(
      '47.0 desktop-hours powered on (23.0 held by users, 24.0 free and warm) and 25.0 powered off, in the 24 hours to 14:00, as the operator counted them.',
    );
  });

  it('says when hours are missing, and when nothing is counted yet', () => {
    expect(lastDayText({ ...day, hoursCounted: 3 }, now, utc)).toContain(
      'Only 3 of those 24 hours were counted (the pool is younger, or no operator led).',
    );
    expect(lastDayCell(undefined)).toEqual(['—']);
    expect(lastDayText(undefined, now, utc)).toBe(
      'Not counted yet: the operator writes each hour into the pool’s status when the hour ends.',
    );
  });
});
