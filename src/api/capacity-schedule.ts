// How many idle desktops a pool keeps warm at an instant, by its capacity schedule: the window that
// holds then (or off-peak), a percentage resolved against the recent peak of held desktops, the
// power-off delay that keeps surplus warm for a while after the count goes down — and when any of
// that changes next, so the pool controller can requeue itself for that moment instead of
// polling. Pure: the time is an argument (wall-clock.ts does the time zones). In src/api because
// the operator follows it and the Admin Portal, which must not import the controllers, draws it.
import type { Capacity, CapacityPhase, CapacityWindow } from './capacity.js';
import { WEEKDAYS } from './capacity.js';
import {
  addDays,
  instantAt,
  isKnownTimeZone,
  type LocalDate,
  localDateOf,
  minutesOf,
  weekdayOf,
} from './wall-clock.js';

export interface CapacityNow {
  phase: CapacityPhase;
  /** The window that holds (InWindow), or whose surplus waits out the power-off delay (RampDown). */
  window?: string;
  /** Idle desktops to keep warm now. */
  warm: number;
  /** When phase, window or warm change next (within the coming week), and to what. */
  next?: { at: Date; phase: CapacityPhase; window?: string; warm: number };
  /** Set when the schedule cannot be followed: it is off-peak until someone fixes it. */
  problem?: string;
}

/** One window on one date, as instants. */
interface Interval {
  window: CapacityWindow;
  start: number;
  end: number;
}

const MINUTE_MS = 60_000;
/** Dates looked at before today: the power-off delay (at most a day) reaches back into them. */
const DAYS_BACK = 2;
/** Dates looked at after today: every window of the week comes round once. */
const DAYS_AHEAD = 8;

/** The warm count a window asks for, its percentage resolved against the recent peak (rounded up). */
export function windowWarm(window: CapacityWindow, heldPeak: number): number {
  if (typeof window.warm === 'number') return window.warm;
  const percent = Number.parseInt(window.warm, 10);
  const share = Math.ceil((heldPeak * percent) / 100);
  return Math.min(window.maxWarm ?? Number.POSITIVE_INFINITY, Math.max(window.minWarm ?? 0, share));
}

/**
 * The last answer per schedule object: it holds unchanged from when it was computed until its next
 * change, and a pool is reconciled many times in between (every desktop's status write in a logon
 * storm). Working it out costs a few hundred Intl calls; the informer gives a changed spec a new
 * object, so the object itself says the schedule is the same. A cache, not a state: the answer is
 * the same with it or without.
 */
const answers = new WeakMap<Capacity, { heldPeak: number; from: number; answer: CapacityNow }>();

/** Where the schedule stands at `now`, and when that changes next. */
export function capacityAt(capacity: Capacity, heldPeak: number, now: Date): CapacityNow {
  const t = now.getTime();
  const known = answers.get(capacity);
  const until = known?.answer.next?.at.getTime();
  if (known && known.heldPeak === heldPeak && known.from <= t && until !== undefined && t < until) return known.answer;
  const answer = workOut(capacity, heldPeak, now);
  answers.set(capacity, { heldPeak, from: t, answer });
  return answer;
}

function workOut(capacity: Capacity, heldPeak: number, now: Date): CapacityNow {
  if (!isKnownTimeZone(capacity.timeZone)) {
    return {
      phase: 'OffPeak',
      warm: capacity.offPeakWarm,
      problem: `time zone ${capacity.timeZone} is not one the operator knows (IANA names such as Europe/Berlin); the pool keeps offPeakWarm desktops warm until it is fixed`,
    };
  }
  const intervals = intervalsAround(capacity, now);
  const state = (t: number) => stateAt(capacity, intervals, heldPeak, t);
  const current = state(now.getTime());
  const delay = capacity.powerOffDelayMinutes * MINUTE_MS;
  // The count changes only where a window opens or closes, at once or a delay later (a window
  // that opens may want fewer than the off-peak count or the window before it).
  const edges = intervals.flatMap((i) => [i.start, i.end]);
  const candidates = [...new Set([...edges, ...edges.map((t) => t + delay)])]
    .filter((t) => t > now.getTime())
    .sort((a, b) => a - b);
  for (const at of candidates) {
    const then = state(at);
    if (then.phase !== current.phase || then.window !== current.window || then.warm !== current.warm) {
      return { ...current, next: { at: new Date(at), ...then } };
    }
  }
  return current;
}

/** Whether a window of the schedule holds at `now` (and until when), or when the last one closed. */
export type WindowNow = { holds: true; window: string; until: Date } | { holds: false; closedAt?: Date };

/**
 * The window that holds at `now`, by the wall clock alone (no power-off delay: that is for free
 * desktops), or when the last window closed within the days looked at. A window that closes where
 * the next opens holds on to the next one's end. An unknown time zone holds no window.
 */
export function windowAt(capacity: Capacity, now: Date): WindowNow {
  if (!isKnownTimeZone(capacity.timeZone)) return { holds: false };
  const t = now.getTime();
  const intervals = intervalsAround(capacity, now);
  const holding = intervals.find((i) => i.start <= t && t < i.end);
  if (holding) {
    // Windows back to back (08:00-12:00, 12:00-18:00) are one stretch for the people in them.
    let until = holding.end;
    for (const i of intervals) if (i.start <= until && i.end > until) until = i.end;
    return { holds: true, window: holding.window.name, until: new Date(until) };
  }
  const closed = intervals.filter((i) => i.end <= t).map((i) => i.end);
  return closed.length > 0 ? { holds: false, closedAt: new Date(Math.max(...closed)) } : { holds: false };
}

/** Every window on the dates around `now`, as instants, in order. A window the clock skips is left out. */
function intervalsAround(capacity: Capacity, now: Date): Interval[] {
  const today = localDateOf(now, capacity.timeZone);
  const intervals: Interval[] = [];
  for (let d = -DAYS_BACK; d <= DAYS_AHEAD; d++) {
    const date = addDays(today, d);
    const weekday = WEEKDAYS[weekdayOf(date)] as (typeof WEEKDAYS)[number];
    for (const window of capacity.schedules) {
      if (!window.days.includes(weekday)) continue;
      const interval = intervalOn(window, date, capacity.timeZone);
      if (interval.start < interval.end) intervals.push(interval);
    }
  }
  return intervals.sort((a, b) => a.start - b.start);
}

function intervalOn(window: CapacityWindow, date: LocalDate, timeZone: string): Interval {
  return {
    window,
    start: instantAt(date, minutesOf(window.from), timeZone).getTime(),
    end: instantAt(date, minutesOf(window.to), timeZone).getTime(),
  };
}

/**
 * At instant `t`: the window that holds (or none), and the warm count — the most that anything in
 * force during the last powerOffDelay asked for, so a count that goes down does so only after the
 * delay, while one that goes up does at once.
 */
function stateAt(
  capacity: Capacity,
  intervals: readonly Interval[],
  heldPeak: number,
  t: number,
): Omit<CapacityNow, 'next'> {
  const delay = capacity.powerOffDelayMinutes * MINUTE_MS;
  const holding = intervals.find((i) => i.start <= t && t < i.end);
  const rawWarm = holding ? windowWarm(holding.window, heldPeak) : capacity.offPeakWarm;
  // What was in force in [t - delay, t]: windows that overlap it, and off-peak if they leave a gap.
  const since = t - delay;
  const recent = intervals.filter((i) => i.start <= t && i.end > since);
  let warm = rawWarm;
  let rampingFrom: Interval | undefined;
  for (const i of recent) {
    const w = windowWarm(i.window, heldPeak);
    if (w > warm || (w === warm && rampingFrom && i.end > rampingFrom.end)) {
      warm = w;
      rampingFrom = i;
    }
  }
  if (capacity.offPeakWarm > warm && leavesGap(recent, since, t)) {
    warm = capacity.offPeakWarm;
    rampingFrom = undefined;
  }
  if (warm > rawWarm) {
    // Surplus from before waits out the delay: name the window it came from (none if off-peak).
    const window = rampingFrom?.window.name ?? holding?.window.name;
    return { phase: 'RampDown', ...(window ? { window } : {}), warm };
  }
  return holding ? { phase: 'InWindow', window: holding.window.name, warm } : { phase: 'OffPeak', warm };
}

/** Whether the intervals (sorted by start) leave part of [from, to] uncovered. */
function leavesGap(intervals: readonly Interval[], from: number, to: number): boolean {
  let covered = from;
  for (const i of intervals) {
    if (i.start > covered) return true;
    covered = Math.max(covered, i.end);
    if (covered > to) return false;
  }
  return covered <= to;
}
