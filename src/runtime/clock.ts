// The wall clock controllers decide by where a decision depends on the time of day: session
// policies (idle and logoff deadlines) and the times a claim records (bound, released, idle since).
// Injected, so a test can move it half an hour on instead of waiting that long. Timers and rate
// limits keep the process's own clock: they measure durations, not deadlines people set.
export interface Clock {
  now(): Date;
  /**
   * Calls `listener` when the clock jumps (only a test clock does: test-clock.ts), so decisions
   * made for a time that has now passed are made again instead of waiting for their timers.
   */
  onJump?(listener: () => void): void;
}

export const systemClock: Clock = { now: () => new Date() };
