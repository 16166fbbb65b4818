// When people of the Monday-morning benchmark log on and off, in minutes after local midnight.
// A logon storm is not uniform: most people arrive in the ten minutes around 9:00, a few come
// early or late. Shaped as a mixture: a share `core` of people drawn from a normal distribution
// around `centre` (resampled until it falls inside the range), the rest spread evenly over the
// whole range. Seeded, so every run and every one of its three pools sees the same people. Pure.
import { seededRandom } from '../../test/chaos/random.js';

export interface Shape {
  /** The range, minutes after midnight: [from, to). */
  from: number;
  to: number;
  /** Where the crowd is thickest, and how spread (standard deviation, minutes). */
  centre: number;
  sdMinutes: number;
  /** The share of people in the crowd; the others come at any time of the range. */
  core: number;
}

/** 8:40 to 9:20: 80 % around 9:00 (σ 4.5 min, so about 6 in 10 of everyone in 8:55–9:05), 20 % evenly. */
export const MONDAY_MORNING: Shape = { from: 8 * 60 + 40, to: 9 * 60 + 20, centre: 9 * 60, sdMinutes: 4.5, core: 0.8 };
/** 17:00 to 18:15, most around 17:30: everyone has worked about eight hours. */
export const MONDAY_EVENING: Shape = {
  from: 17 * 60,
  to: 18 * 60 + 15,
  centre: 17 * 60 + 30,
  sdMinutes: 12,
  core: 0.8,
};

export const SEED = 20260323;

/** `people` times drawn from `shape`, in the order people are numbered (not sorted). */
export function timesOf(people: number, shape: Shape, seed: number): number[] {
  const random = seededRandom(seed);
  const within = (t: number) => t >= shape.from && t < shape.to;
  const normal = () => {
    // Box–Muller; 1 - next() is in (0, 1], so the logarithm is finite.
    const u = 1 - random.next();
    const v = random.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return Array.from({ length: people }, () => {
    if (!random.chance(shape.core)) return shape.from + random.next() * (shape.to - shape.from);
    for (;;) {
      const t = shape.centre + normal() * shape.sdMinutes;
      if (within(t)) return t;
    }
  });
}

/** The share of `times` inside [from, to). */
export function shareWithin(times: readonly number[], from: number, to: number): number {
  if (times.length === 0) return 0;
  return times.filter((t) => t >= from && t < to).length / times.length;
}

/** Person i of the day: logon and logoff, minutes after midnight. */
export interface Person {
  index: number;
  logon: number;
  logoff: number;
}

/** The day's people: logons from the morning storm, logoffs from the evening (each person their own draw). */
export function mondayPeople(people: number, seed = SEED): Person[] {
  const logons = timesOf(people, MONDAY_MORNING, seed);
  const logoffs = timesOf(people, MONDAY_EVENING, seed + 1);
  return logons.map((logon, index) => ({ index, logon, logoff: logoffs[index] as number }));
}
