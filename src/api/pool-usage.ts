// A pool's desktop-seconds of the last day, hour by hour, in its status: what the operator counted
// (the same seconds as its kubevdi_desktop_seconds_total metric), kept where the Admin Portal can
// read it without Prometheus. Here in src/api because the operator writes it and the portal, which
// must not import the controllers, sums it.
import { z } from 'zod';

export const HOUR_MS = 3_600_000;
/** The hours a status keeps: the current one and the 24 whole hours before it. */
export const USAGE_HOURS = 25;

const seconds = (description: string) => z.int().min(0).describe(description);

export const HourUsage = z
  .object({
    start: z.iso.datetime().describe('The start of the hour (UTC, on the hour).'),
    runningHeld: seconds('Desktop-seconds powered on and held by a user.'),
    runningFree: seconds('Desktop-seconds powered on and free (the warm buffer).'),
    halted: seconds('Desktop-seconds powered off (their disks remain).'),
  })
  .describe("One hour's desktop-seconds of the pool, by state.");
export type HourUsage = z.infer<typeof HourUsage>;

export const PoolUsage = z
  .object({
    hours: z
      .array(HourUsage)
      .max(USAGE_HOURS)
      .optional()
      .describe(
        'Oldest first: each whole hour of the last day once it ends, and the current hour so far when an operator replica hands over. Counted while an operator led: an hour in which the leader crashed lacks the time until the next one started.',
      ),
  })
  .describe(
    "Desktop-seconds by state in the pool's last day, hour by hour, for pricing a pool without Prometheus (written by the operator's leader at each hour's end).",
  );
export type PoolUsage = z.infer<typeof PoolUsage>;

export const hourStart = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Desktop-hours of one day by state, and the hours they cover. */
export interface DayUsage {
  /** The day is [from, to): the 24 whole hours before the current one. */
  from: string;
  to: string;
  runningHeld: number;
  runningFree: number;
  halted: number;
  /** Of those 24 hours, how many the status has (fewer: the pool is younger, or no operator led). */
  hoursCounted: number;
}

/** The 24 whole hours before `now`'s hour, in desktop-hours: the current hour is not over yet, so it is left out. */
export function lastDay(hours: readonly HourUsage[] | undefined, now: Date): DayUsage {
  const to = hourStart(now.getTime());
  const from = to - 24 * HOUR_MS;
  const day = (hours ?? []).filter((h) => {
    const start = Date.parse(h.start);
    return start >= from && start < to;
  });
  const sum = (field: 'runningHeld' | 'runningFree' | 'halted') =>
    Math.round((day.reduce((total, h) => total + h[field], 0) / 3600) * 10) / 10;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    runningHeld: sum('runningHeld'),
    runningFree: sum('runningFree'),
    halted: sum('halted'),
    hoursCounted: day.length,
  };
}
