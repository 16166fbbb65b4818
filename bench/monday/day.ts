// The simulated Monday of the Monday-morning benchmark and what it costs. Pure: how simulated
// minutes map to real time, and desktop-seconds read from the operator turned into desktop-hours.
//
// The operator runs on a test clock (--test-clock-file): the benchmark writes a time into the file
// at every tick, and between ticks the operator's clock runs on in real time. A segment of the day
// runs `speed` simulated seconds per real second, so each tick moves the clock `speed × tick`
// on (a jump the operator reacts to at once). What happens in real time does not speed up: the
// API server's and the operator's work, and the simulator's boot delay. So at speed 10 a boot of
// 6 real seconds is a one-minute boot of the simulated morning, and people arrive ten times as
// densely in real time as they would on a real Monday: a harsher load than the real morning.

export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 24 * 60;

export interface Segment {
  /** Minutes after midnight, [from, to). */
  from: number;
  to: number;
  /** Simulated seconds per real second. */
  speed: number;
  /** Real ms between writes of the clock. */
  tickMs: number;
}

/**
 * The day: quiet until 08:25; three times the storm's speed while the window opens (08:30) and the
 * warm desktops boot; `stormSpeed` through the logon storm (08:40–09:20) with a little around it;
 * quiet again; six times the storm's speed through the logoffs (17:00–18:15), the window's close at
 * 18:00 and the end of its power-off delay at 18:30 (a change the operator is a real second late
 * for costs a simulated minute of each desktop's time here, an hour at night); quiet to midnight. Quiet is `quietSpeed` with a clock
 * write every half a real second (at 3600: an hour a real second, a write each half hour).
 */
export function dayPlan(stormSpeed: number, quietSpeed = 3600): Segment[] {
  const h = (hours: number, minutes = 0) => hours * 60 + minutes;
  const QUIET = { speed: quietSpeed, tickMs: 500 };
  return [
    { from: 0, to: h(8, 25), ...QUIET },
    { from: h(8, 25), to: h(8, 38), speed: stormSpeed * 3, tickMs: 1000 },
    { from: h(8, 38), to: h(9, 22), speed: stormSpeed, tickMs: 1000 },
    { from: h(9, 22), to: h(16, 55), ...QUIET },
    { from: h(16, 55), to: h(18, 50), speed: stormSpeed * 6, tickMs: 1000 },
    { from: h(18, 50), to: DAY_MINUTES, ...QUIET },
  ];
}

const segmentRealMs = (s: Segment) => ((s.to - s.from) * 60_000) / s.speed;

/** Real ms from the start of the day until the simulated clock reads `minute`. */
export function realOffsetMs(plan: readonly Segment[], minute: number): number {
  let real = 0;
  for (const s of plan) {
    if (minute < s.to) return real + (Math.max(0, minute - s.from) * 60_000) / s.speed;
    real += segmentRealMs(s);
  }
  return real;
}

/** The simulated minute `realMs` after the start of the day (the end of the plan after it). */
export function minuteAt(plan: readonly Segment[], realMs: number): number {
  let left = realMs;
  for (const s of plan) {
    const length = segmentRealMs(s);
    if (left < length) return s.from + (left * s.speed) / 60_000;
    left -= length;
  }
  return plan.at(-1)?.to ?? 0;
}

/** The tick length in force at a simulated minute. */
export function tickAt(plan: readonly Segment[], minute: number): number {
  return (plan.find((s) => minute < s.to) ?? plan.at(-1))?.tickMs ?? 1000;
}

/** Real ms the whole day takes. */
export const dayRealMs = (plan: readonly Segment[]): number => plan.reduce((sum, s) => sum + segmentRealMs(s), 0);

/** "08:41" for a minute after midnight. */
export function clockText(minute: number): string {
  const m = Math.floor(minute);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Desktop-seconds of one pool by state, as kubevdi_desktop_seconds_total counts them. */
export interface StateSeconds {
  'running-held': number;
  'running-free': number;
  halted: number;
}

export interface DesktopHours {
  runningHeld: number;
  runningFree: number;
  /** Held and free: what a cluster pays CPU and memory for. */
  running: number;
  halted: number;
}

/** Desktop-hours between two readings of the counters (to 0.1 h). */
export function desktopHours(before: StateSeconds, after: StateSeconds): DesktopHours {
  const hours = (state: keyof StateSeconds) => (after[state] - before[state]) / 3600;
  const tenth = (x: number) => Math.round(x * 10) / 10;
  return {
    runningHeld: tenth(hours('running-held')),
    runningFree: tenth(hours('running-free')),
    running: tenth(hours('running-held') + hours('running-free')),
    halted: tenth(hours('halted')),
  };
}

/**
 * Whether a person waited for a boot: before their claim was Bound with a ready desktop, the watch
 * showed it waiting (Pending: no free desktop) or Bound to a desktop not ready yet (starting).
 * `phases` are the claim's statuses in the order the watch showed them.
 */
export function waitedForBoot(phases: readonly { phase?: string; ready?: boolean }[]): boolean {
  for (const p of phases) {
    if (p.phase === 'Bound' && p.ready) return false;
    if (p.phase === 'Pending' || (p.phase === 'Bound' && !p.ready)) return true;
  }
  return false;
}
