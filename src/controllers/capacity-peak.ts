// The recent peak of held desktops, which a window's percentage is of: the most desktops held at
// once on each local day, kept in the pool's status for the last eight days (so this weekday of
// last week counts), written only when a day's peak rises or a day begins. It lives in the status
// because it must outlast the operator process, and there people can see what the percentages
// were resolved against. Pure.
import type { DailyPeak } from '../api/capacity.js';
import { addDays, isoDate, localDateOf } from './wall-clock.js';

/** Today and the seven days before it. */
export const PEAK_DAYS = 8;

/** The daily peaks with `held` (desktops held now) counted for today, oldest first, at most PEAK_DAYS. */
export function recordHeld(
  previous: readonly DailyPeak[] | undefined,
  held: number,
  now: Date,
  timeZone: string,
): DailyPeak[] {
  const today = localDateOf(now, timeZone);
  const oldest = isoDate(addDays(today, -(PEAK_DAYS - 1)));
  const todayIso = isoDate(today);
  // Dates compare as strings (YYYY-MM-DD). A date after today (the clock went back) is dropped.
  const kept = (previous ?? []).filter((p) => p.date >= oldest && p.date <= todayIso);
  const seen = kept.find((p) => p.date === todayIso);
  if (seen && seen.held >= held) return kept;
  const others = kept.filter((p) => p.date !== todayIso);
  return [...others, { date: todayIso, held: Math.max(held, seen?.held ?? 0) }].sort((a, b) =>
    a.date.localeCompare(b.date),
  );
}

/** The most desktops held at once over the days recorded. */
export function heldPeak(peaks: readonly DailyPeak[]): number {
  return peaks.reduce((max, p) => Math.max(max, p.held), 0);
}
