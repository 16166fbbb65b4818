// A pool's warm desktops as the Admin Portal shows them: its schedule as written, where the
// operator says it stands (status.capacity), and the 24-hour chart's data — the hours the
// operator counted (status.usage) and the warm target over those hours and the next 24, worked out
// by the same resolver the operator follows (src/api/capacity-schedule.ts). Pure: the time is an
// argument.
import { capacityAt, windowWarm } from '../../api/capacity-schedule.js';
import { HOUR_MS, hourStart } from '../../api/pool-usage.js';
import type { PoolObject } from '../kube-objects.js';
import type { ChartHour, PoolSchedule, ScheduleChart } from './types.js';

/** Steps of the target line at most: a schedule changes a few times a day, not hundreds. */
const MAX_STEPS = 200;
const round = (n: number) => Math.round(n * 100) / 100;

export function poolSchedule(pool: PoolObject, now: Date): PoolSchedule {
  const spec = pool.spec ?? {};
  const status = pool.status ?? {};
  const capacity = spec.capacity;
  const heldPeak = status.capacity?.heldPeak ?? 0;
  const growth = spec.growth;
  const current = status.capacity;
  return {
    ...(capacity
      ? {
          capacity: {
            timeZone: capacity.timeZone,
            windows: (capacity.schedules ?? []).map((w) => ({
              name: w.name,
              days: [...w.days],
              from: w.from,
              to: w.to,
              warm: String(w.warm),
              ...(w.minWarm === undefined ? {} : { minWarm: w.minWarm }),
              ...(w.maxWarm === undefined ? {} : { maxWarm: w.maxWarm }),
              warmNow: windowWarm(w, heldPeak),
            })),
            offPeakWarm: capacity.offPeakWarm ?? 0,
            powerOffDelayMinutes: capacity.powerOffDelayMinutes ?? 30,
            ...(capacity.warmTimeToLiveMinutes === undefined
              ? {}
              : { warmTimeToLiveMinutes: capacity.warmTimeToLiveMinutes }),
            ...(capacity.rampDown
              ? {
                  rampDown: {
                    idleMinutes: capacity.rampDown.idleMinutes,
                    action: capacity.rampDown.action ?? 'PowerOff',
                    evenIfLoggedOn: capacity.rampDown.evenIfLoggedOn === true,
                  },
                }
              : {}),
          },
        }
      : {}),
    prestarted: spec.prestarted ?? 0,
    ...(growth
      ? {
          growth: {
            minSize: growth.minSize ?? 0,
            maxSize: spec.size ?? 0,
            spare: growth.spare ?? 0,
            removeAfterMinutes: growth.removeAfterMinutes ?? 30,
            ...(status.growth ? { targetSize: status.growth.targetSize } : {}),
          },
        }
      : {}),
    ...(current
      ? {
          now: {
            phase: current.phase,
            ...(current.window ? { window: current.window } : {}),
            warmTarget: current.warmTarget,
            ...(current.nextChange ? { nextChange: current.nextChange } : {}),
            ...(current.nextWarmTarget === undefined ? {} : { nextWarmTarget: current.nextWarmTarget }),
            ...(current.heldPeak === undefined ? {} : { heldPeak: current.heldPeak }),
          },
        }
      : {}),
    chart: scheduleChart(pool, now),
  };
}

/**
 * The chart: the 24 whole hours before now's hour as the operator counted them, and the warm
 * target from their start to a day after now. Percentages are resolved against today's peak of
 * held desktops for the past hours too: the status keeps the peak, not what it was each hour.
 */
export function scheduleChart(pool: PoolObject, now: Date): ScheduleChart {
  const to = hourStart(now.getTime());
  const from = to - 24 * HOUR_MS;
  const until = now.getTime() + 24 * HOUR_MS;
  const hours: ChartHour[] = (pool.status?.usage?.hours ?? [])
    .filter((h) => {
      const start = Date.parse(h.start);
      return start >= from && start < to;
    })
    .map((h) => ({
      start: h.start,
      free: round(h.runningFree / 3600),
      held: round(h.runningHeld / 3600),
      halted: round(h.halted / 3600),
    }));
  return {
    from: new Date(from).toISOString(),
    now: now.toISOString(),
    until: new Date(until).toISOString(),
    hours,
    target: targetSteps(pool, from, until),
  };
}

/** The warm target as steps from `from` to `until`: where it changes, and to what. */
function targetSteps(pool: PoolObject, from: number, until: number): ScheduleChart['target'] {
  const capacity = pool.spec?.capacity;
  if (!capacity) return [{ at: new Date(from).toISOString(), warm: pool.spec?.prestarted ?? 0 }];
  const heldPeak = pool.status?.capacity?.heldPeak ?? 0;
  const steps: ScheduleChart['target'] = [];
  let t = from;
  for (let i = 0; i < MAX_STEPS; i++) {
    const state = capacityAt(capacity, heldPeak, new Date(t));
    if (steps.at(-1)?.warm !== state.warm) steps.push({ at: new Date(t).toISOString(), warm: state.warm });
    if (!state.next || state.next.at.getTime() >= until) break;
    t = state.next.at.getTime();
  }
  return steps;
}
