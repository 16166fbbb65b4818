// How a pool's capacity is shown: status.capacity (the phase, window, warm target and when it
// changes next, in the schedule's time zone) and the Event a person reads when it changes. Pure.
import type { CapacityStatus, DailyPeak } from '../api/capacity.js';
import type { VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import { heldPeak } from './capacity-peak.js';
import type { CapacityNow } from './capacity-schedule.js';
import { describeLocal, rfc3339In } from './wall-clock.js';

export function capacityStatus(
  spec: VirtualDesktopPoolSpec,
  now: CapacityNow,
  dailyPeaks: readonly DailyPeak[] | undefined,
): CapacityStatus {
  const timeZone = spec.capacity?.timeZone;
  return {
    phase: now.phase,
    ...(now.window ? { window: now.window } : {}),
    warmTarget: now.warm,
    ...(now.next && timeZone ? { nextChange: rfc3339In(now.next.at, timeZone), nextWarmTarget: now.next.warm } : {}),
    ...(dailyPeaks ? { heldPeak: heldPeak(dailyPeaks), dailyPeaks: [...dailyPeaks] } : {}),
  };
}

export interface CapacityEvent {
  reason: 'WindowOpened' | 'RampingDown' | 'OffPeak' | 'WarmTargetChanged';
  note: string;
}

/**
 * The Event for a change of phase, window or warm target since the status last showed, if any.
 * None for a pool that has just been created (nothing changed) or has no schedule.
 */
export function capacityChange(
  previous: CapacityStatus | undefined,
  now: CapacityNow,
  timeZone: string | undefined,
  at: Date,
): CapacityEvent | undefined {
  if (!previous || !timeZone || now.phase === 'Fixed') return undefined;
  if (previous.phase === now.phase && previous.window === now.window && previous.warmTarget === now.warm) {
    return undefined;
  }
  const until = now.next ? ` until ${describeLocal(now.next.at, timeZone, at)}` : '';
  const then = now.next ? `, then ${now.next.warm}` : '';
  const desktops = (n: number) => `${n} desktop${n === 1 ? '' : 's'}`;
  if (previous.phase === now.phase && previous.window === now.window) {
    return {
      reason: 'WarmTargetChanged',
      note: `${desktops(now.warm)} kept warm (was ${previous.warmTarget})${now.window ? ` in window ${now.window}` : ''}${until} (${timeZone})`,
    };
  }
  switch (now.phase) {
    case 'InWindow':
      return {
        reason: 'WindowOpened',
        note: `Window ${now.window} opened: ${desktops(now.warm)} kept warm${until} (${timeZone})`,
      };
    case 'RampDown':
      return {
        reason: 'RampingDown',
        note: `The warm count went down${now.window ? ` after window ${now.window}` : ''}: ${desktops(now.warm)} stay warm${until}${then}; desktops users hold are not touched (${timeZone})`,
      };
    default:
      return { reason: 'OffPeak', note: `Off-peak: ${desktops(now.warm)} kept warm${until} (${timeZone})` };
  }
}
