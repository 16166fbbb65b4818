// A pool's last day in desktop-hours, in words: what the operator counted hour by hour into the
// pool's status. Pure (times passed in), so the unit tests run it in Node.
import type { AdminPool } from '../../admin/types.js';
import { localTime, type TimeFormat, when } from '../words.js';

type LastDay = NonNullable<AdminPool['lastDay']>;

const hours = (n: number) => n.toFixed(1);

/** The overview's cell, a line each: powered-on desktop-hours (what compute costs), then halted ones (disks only). */
export function lastDayCell(day: LastDay | undefined): string[] {
  if (!day) return ['—'];
  return [`${hours(day.runningHeld + day.runningFree)} running`, `${hours(day.halted)} halted`];
}

/** The pool page's sentence, with where the numbers come from and how complete they are. */
export function lastDayText(day: LastDay | undefined, now: Date, format: TimeFormat = localTime): string {
  if (!day) return 'Not counted yet: the operator writes each hour into the pool’s status when the hour ends.';
  const running = day.runningHeld + day.runningFree;
  const counted =
    day.hoursCounted < 24
      ? ` Only ${day.hoursCounted} of those 24 hours were counted (the pool is younger, or no operator led).`
      : '';
  return (
    `${hours(running)} desktop-hours powered on (${hours(day.runningHeld)} held by users, ${hours(day.runningFree)} free and warm) ` +
    `and ${hours(day.halted)} powered off, in the 24 hours to ${when(day.to, now, format)}, as the operator counted them.${counted}`
  );
}
