// The Hosts view's words for a node in maintenance: what is left to move off it, and how each
// person's desktop leaves. Pure (the time format is an argument), so unit-tested.
import type { HostMaintenance, HostWorker } from '../../admin/types.js';
import { localTime, type TimeFormat, when } from '../words.js';

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "2 free desktops, 1 migrating, 1 waiting for its restart", or that nothing is left. */
export function leftToMove(left: HostMaintenance['left']): string {
  const parts = [
    left.free && count(left.free, 'free desktop', 'free desktops'),
    left.migrating && count(left.migrating, 'held desktop migrating', 'held desktops migrating'),
    left.countdown &&
      count(left.countdown, 'held desktop waiting for its restart', 'held desktops waiting for their restart'),
    left.other && count(left.other, 'held desktop not on its way yet', 'held desktops not on their way yet'),
  ].filter((p): p is string => Boolean(p));
  return parts.length ? `Left to move: ${parts.join(', ')}.` : 'Nothing left to move: no desktop runs there.';
}

/** How one person's desktop leaves: "Migrating now", "Restarts at 18:00", "Waits for free desktops to leave first". */
export function howItLeaves(worker: HostWorker, now: Date, format: TimeFormat = localTime): string {
  if (worker.leaves === 'migrating') return 'Migrating live now';
  if (worker.leaves === 'countdown' && worker.restartAt)
    return `Restarts at ${when(worker.restartAt, now, format)} (they see a countdown)`;
  return 'Not on its way yet (free desktops leave first)';
}

/** The deadline in words: "until 18:00", or each pool's notice when the node sets none. */
export function deadlineWords(maintenance: HostMaintenance, now: Date, format: TimeFormat = localTime): string {
  return maintenance.deadline
    ? `Desktops that cannot migrate restart at ${when(maintenance.deadline, now, format)}.`
    : "Desktops that cannot migrate restart after each pool's notice (60 minutes unless the pool says otherwise).";
}

/** A date as a datetime-local input's value (the browser's local time, to the minute). */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
