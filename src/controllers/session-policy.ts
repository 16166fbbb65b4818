// What the pool's session policies say to do with a bound claim now, after oVirt's
// console-disconnect action and Horizon's automatic logoff: release it some minutes after its
// user logged off (Automatic pools), and release or power off a desktop nobody has used for
// long. Pure; the claim controller carries the verdict out and asks again when it falls due.
import type { RampDown } from '../api/capacity.js';
import type { DesktopClaimStatus } from '../api/desktopclaim.js';
import type { VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import { isoSeconds } from '../runtime/conditions.js';
import type { WindowNow } from './capacity-schedule.js';
import type { Session } from './session-observation.js';

/** What will fall due if nothing changes: the claim's `status.pendingAction`. */
export type PendingAction = NonNullable<DesktopClaimStatus['pendingAction']>;

export type Verdict =
  /** recheckInMs: ask again after this long, when `pending` falls due. */
  | { kind: 'keep'; recheckInMs?: number; pending?: PendingAction }
  | { kind: 'release'; reason: 'LoggedOff' | 'IdleTimeout' | 'AfterHours'; message: string }
  | { kind: 'powerOff'; reason: 'IdleTimeout' | 'AfterHours'; message: string };

export interface VerdictInput {
  session: Session | undefined;
  assignment: VirtualDesktopPoolSpec['assignment'];
  policy: VirtualDesktopPoolSpec['session'];
  /** The desktop is meant to run (a powered-off one is not powered off again). */
  running: boolean;
  /** The pool's capacity ramp-down for held desktops, and where its schedule stands now. */
  afterHours?: { rampDown: RampDown; window: WindowNow };
  now: Date;
}

const MINUTE_MS = 60_000;

export function sessionVerdict(input: VerdictInput): Verdict {
  const { session, assignment, policy, running, now } = input;
  const due: Due[] = [];
  // The user's activity through kubevdi (an open console, "I'm still working") restarts every clock.
  const activity = session?.lastActivityTime ? Date.parse(session.lastActivityTime) : Number.NEGATIVE_INFINITY;
  // Pushed last: on a tie, the user's own logoff or idleness explains more than the clock.
  const ramp = afterHoursDue(input, activity);
  // Someone is on, or nobody can tell (no guest agent): only the ramp-down can fall due.
  if (!session?.idleSince || (session.loggedInUsers?.length ?? 0) > 0) return first(ramp ? [ramp] : [], now);
  const idleFrom = Math.max(Date.parse(session.idleSince), activity);

  const { logoff, idle } = policy;
  if (assignment === 'Automatic' && logoff.action === 'Release' && session.lastSeenTime) {
    const loggedOffFrom = Math.max(Date.parse(session.lastSeenTime), activity);
    const at = loggedOffFrom + logoff.gracePeriodMinutes * MINUTE_MS;
    const why = `the user logged off at ${session.lastSeenTime} and did not log on again within the pool's grace period of ${minutes(logoff.gracePeriodMinutes)}`;
    due.push({
      at,
      pending: {
        action: 'Release',
        reason: 'LoggedOff',
        deadline: isoSeconds(new Date(at)),
        message: `You logged off at ${session.lastSeenTime}; the desktop goes back to the pool ${minutes(logoff.gracePeriodMinutes)} later unless you log on again.`,
      },
      verdict: { kind: 'release', reason: 'LoggedOff', message: why },
    });
  }
  if (idle.action !== 'None' && idle.timeoutMinutes > 0 && (idle.action === 'Release' || running)) {
    const at = idleFrom + idle.timeoutMinutes * MINUTE_MS;
    const since = isoSeconds(new Date(idleFrom));
    const what = `nobody has been logged on or active since ${since}, the pool's idle timeout of ${minutes(idle.timeoutMinutes)}`;
    const release = idle.action === 'Release';
    due.push({
      at,
      pending: {
        action: release ? 'Release' : 'PowerOff',
        reason: 'IdleTimeout',
        deadline: isoSeconds(new Date(at)),
        message: `Nobody has been logged on or active since ${since}; the desktop is ${release ? 'released' : 'powered off'} after ${minutes(idle.timeoutMinutes)} of that.`,
      },
      verdict: release
        ? { kind: 'release', reason: 'IdleTimeout', message: `released: ${what}` }
        : { kind: 'powerOff', reason: 'IdleTimeout', message: `powered off: ${what}` },
    });
  }
  if (ramp) due.push(ramp);
  return first(due, now);
}

interface Due {
  at: number;
  /** Missing: nothing to tell the user yet, only a moment to look again (a window closing). */
  pending?: PendingAction;
  verdict?: Verdict;
}

/** The earliest of what falls due; on a tie, the one pushed first (a logoff explains more than idleness). */
function first(due: Due[], now: Date): Verdict {
  const next = [...due].sort((a, b) => a.at - b.at)[0];
  if (!next) return { kind: 'keep' };
  if (next.at <= now.getTime() && next.verdict) return next.verdict;
  const recheckInMs = Math.max(0, next.at - now.getTime());
  return next.pending ? { kind: 'keep', recheckInMs, pending: next.pending } : { kind: 'keep', recheckInMs };
}

/**
 * The capacity's ramp-down: while a window holds, only a moment to look again (when it closes);
 * after, a held desktop nobody uses is powered off or released idleMinutes after the window closed
 * or after its last use, whichever is later. Use: someone logged on (unless evenIfLoggedOn, which
 * counts only use through the portal), a console open through the portal, "I'm still working".
 */
function afterHoursDue({ afterHours, session, running, now }: VerdictInput, activity: number): Due | undefined {
  if (!afterHours) return undefined;
  const { rampDown, window } = afterHours;
  if (window.holds) return { at: window.until.getTime() };
  const release = rampDown.action === 'Release';
  if (!release && !running) return undefined;
  const loggedOn = (session?.loggedInUsers?.length ?? 0) > 0;
  let lastUse = activity;
  if (!rampDown.evenIfLoggedOn) {
    // Only a desktop the guest agent says nobody is logged on to.
    if (loggedOn || !session?.idleSince) return undefined;
    lastUse = Math.max(lastUse, Date.parse(session.idleSince));
  }
  const from = Math.max(window.closedAt?.getTime() ?? Number.NEGATIVE_INFINITY, lastUse);
  // Never used and no window closed in the days looked at: the clock starts now.
  const at = (Number.isFinite(from) ? from : now.getTime()) + rampDown.idleMinutes * MINUTE_MS;
  const closed = window.closedAt
    ? `the pool's hours ended at ${isoSeconds(window.closedAt)}`
    : "the pool's hours are over";
  const unused = loggedOn ? 'nobody has used it through the portal' : 'nobody is logged on to it or using it';
  const what = `${closed} and ${unused} (ramp-down after ${minutes(rampDown.idleMinutes)})`;
  return {
    at,
    pending: {
      action: release ? 'Release' : 'PowerOff',
      reason: 'AfterHours',
      deadline: isoSeconds(new Date(at)),
      message: `${capitalised(closed)} and ${unused}; the desktop is ${release ? 'released' : 'powered off'} ${minutes(rampDown.idleMinutes)} after that unless someone uses it.`,
    },
    verdict: release
      ? { kind: 'release', reason: 'AfterHours', message: `released: ${what}` }
      : { kind: 'powerOff', reason: 'AfterHours', message: `powered off: ${what}` },
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function minutes(n: number): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}
