// A pool's warm desktops in words: the days of a window, what it keeps warm, the phase the
// operator says the pool is in and when that changes ("at 18:00 Europe/Berlin the warm target goes
// 20 → 2"). Pure (times passed in), so the unit tests run it in Node.
import type { PoolSchedule, ScheduleWindow } from '../../admin/types.js';

const WEEK = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "Monday–Friday", "Every day", "Monday, Wednesday, Saturday–Sunday". */
export function daysText(days: readonly string[]): string {
  const on = WEEK.map((d) => days.includes(d));
  if (on.every(Boolean)) return 'Every day';
  const runs: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (!on[i]) continue;
    let j = i;
    while (j + 1 < 7 && on[j + 1]) j++;
    runs.push(j === i ? (WEEK[i] as string) : `${WEEK[i]}${j === i + 1 ? ', ' : '–'}${WEEK[j]}`);
    i = j;
  }
  return runs.join(', ');
}

const desktops = (n: number) => `${n} desktop${n === 1 ? '' : 's'}`;

/** "5 desktops", or "20% of the peak: 3 now (at least 1, at most 10)". */
export function warmText(window: ScheduleWindow): string {
  if (!window.warm.endsWith('%')) return desktops(window.warmNow);
  const bounds = [
    window.minWarm === undefined ? '' : `at least ${window.minWarm}`,
    window.maxWarm === undefined ? '' : `at most ${window.maxWarm}`,
  ].filter(Boolean);
  return `${window.warm} of the peak: ${window.warmNow} now${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

/** The phase, in a sentence. */
export function phaseText(schedule: PoolSchedule): string {
  const now = schedule.now;
  if (!schedule.capacity)
    return `Fixed: ${desktops(schedule.prestarted)} kept warm day and night (prestarted; no schedule).`;
  if (!now) return 'The operator has not looked at this schedule yet.';
  switch (now.phase) {
    case 'InWindow':
      return `In window ${now.window}: ${desktops(now.warmTarget)} kept warm.`;
    case 'RampDown':
      return `Ramping down${now.window ? ` after ${now.window}` : ''}: ${desktops(now.warmTarget)} kept warm until the power-off delay is over.`;
    case 'OffPeak':
      return `Off-peak: ${desktops(now.warmTarget)} kept warm.`;
    default:
      return `${now.phase}: ${desktops(now.warmTarget)} kept warm.`;
  }
}

/** What the zone's wall clock shows at `instant`: "18:00", and "Monday 08:00" on another day than `now`'s. */
export function localWhen(instant: Date, timeZone: string, now: Date): string {
  const format = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, ...options }).format(instant);
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(d);
  const time = format({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  if (day(instant) === day(now)) return time;
  const weekday = format({ weekday: 'long' });
  const daysAhead = (instant.getTime() - now.getTime()) / 86_400_000;
  return daysAhead < 6.5 ? `${weekday} ${time}` : `${weekday} ${day(instant)} ${time}`;
}

/** "At 18:00 Europe/Berlin the warm target goes 20 → 2." ("On Monday at 08:00 ..."), or undefined when nothing changes. */
export function nextChangeText(schedule: PoolSchedule, now: Date): string | undefined {
  const current = schedule.now;
  const timeZone = schedule.capacity?.timeZone;
  if (!current?.nextChange || current.nextWarmTarget === undefined || !timeZone) return undefined;
  const when = localWhen(new Date(current.nextChange), timeZone, now);
  // "At 18:00", or "On Monday at 08:00" on another day.
  const at = /^\d/.test(when) ? `At ${when}` : `On ${when.replace(/ (\d\d:\d\d)$/, ' at $1')}`;
  return current.nextWarmTarget === current.warmTarget
    ? `${at} ${timeZone} the phase changes; the warm target stays ${current.warmTarget}.`
    : `${at} ${timeZone} the warm target goes ${current.warmTarget} → ${current.nextWarmTarget}.`;
}

/** "30 minutes", "1 hour", "2 hours 30 minutes". */
export function minutesText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const hours = h ? `${h} hour${h === 1 ? '' : 's'}` : '';
  const mins = m || !h ? `${m} minute${m === 1 ? '' : 's'}` : '';
  return [hours, mins].filter(Boolean).join(' ');
}
