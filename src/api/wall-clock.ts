// Wall-clock time in an IANA time zone, with nothing but Intl (Node carries the full time zone
// database): the local date of an instant, and the instant a local time of day begins on a date.
// Pure apart from Intl's data.
//
// Daylight saving, decided as a person there would expect it: a local time is "the first instant
// at which the clock on the wall shows that time or later that day".
// - Spring forward (the clock skips 02:00–03:00): 02:30 is the instant the clock jumps to 03:00.
// - Fall back (the clock shows 02:00–03:00 twice): 02:30 is its first showing, in summer time.
// So a window 08:00–18:00 is 08:00 to 18:00 on the wall on both sides of a change, and one inside
// a skipped hour (02:10–02:50) does not happen that day.

export interface LocalDate {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether this runtime knows the time zone (the API server can only check that the name is plausible). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** What the wall clock shows at `ms`, as milliseconds of a UTC date with the same fields. */
function wallMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The zone's offset from UTC at an instant, in ms (whole seconds: Intl shows no less). */
export function offsetMs(instant: Date, timeZone: string): number {
  const ms = Math.floor(instant.getTime() / 1000) * 1000;
  return wallMs(ms, timeZone) - ms;
}

export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const wall = new Date(wallMs(instant.getTime(), timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** The date `days` after (or before) `date`, by the calendar. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Monday ... 6 = Sunday (ISO order, as the schema lists the days). */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

export function isoDate(date: LocalDate): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** "HH:MM" (00:00–24:00) → minutes since midnight. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * The first instant at which the clock in `timeZone` shows `minutes` past midnight of `date`, or
 * later (see the top of this file); 24:00 is the start of the next day.
 */
export function instantAt(date: LocalDate, minutes: number, timeZone: string): Date {
  const wanted = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
  // Offsets in force around that wall time: any change near it lies within a day of it.
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((d) => offsetMs(new Date(wanted + d), timeZone)));
  const exact = [...offsets].map((o) => wanted - o).filter((t) => wallMs(t, timeZone) === wanted);
  if (exact.length > 0) return new Date(Math.min(...exact));
  // The clock skips that time: the answer is the instant it jumps past it, the earliest instant
  // whose wall time is later. Between the two readings the offset changes once.
  let lo = wanted - Math.max(...offsets); // wall time before `wanted`
  let hi = wanted - Math.min(...offsets); // wall time after it
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallMs(mid, timeZone) >= wanted) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** RFC 3339 with the zone's offset at that instant: "2026-03-29T08:00:00+02:00". */
export function rfc3339In(instant: Date, timeZone: string): string {
  const ms = Math.floor(instant.getTime() / 1000) * 1000;
  const offset = Math.round((wallMs(ms, timeZone) - ms) / MINUTE_MS);
  const local = new Date(ms + offset * MINUTE_MS).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** For people: "18:00" today, "Monday 08:00" on another day (both by the zone's wall clock). */
export function describeLocal(instant: Date, timeZone: string, now: Date): string {
  const wall = new Date(wallMs(instant.getTime(), timeZone));
  const time = wall.toISOString().slice(11, 16);
  const day = localDateOf(instant, timeZone);
  if (isoDate(day) === isoDate(localDateOf(now, timeZone))) return time;
  const ahead = (Date.UTC(day.year, day.month - 1, day.day) - Date.UTC(...ymd(localDateOf(now, timeZone)))) / DAY_MS;
  const name = WEEKDAY_NAMES[weekdayOf(day)];
  return ahead > 0 && ahead < 7 ? `${name} ${time}` : `${name} ${isoDate(day)} ${time}`;
}

function ymd(date: LocalDate): [number, number, number] {
  return [date.year, date.month - 1, date.day];
}
