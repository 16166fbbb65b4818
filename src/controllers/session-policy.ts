// What the pool's session policies say to do with a bound claim now, after oVirt's
// console-disconnect action and Horizon's automatic logoff: release it some minutes after its
// user logged off (Automatic pools), and release or power off a desktop nobody has used for
// long. Pure; the claim controller carries the verdict out and asks again when it falls due.
import type { DesktopClaimStatus } from '../api/desktopclaim.js';
import type { VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import { isoSeconds } from '../runtime/conditions.js';
import type { Session } from './session-observation.js';

/** What will fall due if nothing changes: the claim's `status.pendingAction`. */
export type PendingAction = NonNullable<DesktopClaimStatus['pendingAction']>;

export type Verdict =
  /** recheckInMs: ask again after this long, when `pending` falls due. */
  | { kind: 'keep'; recheckInMs?: number; pending?: PendingAction }
  | { kind: 'release'; reason: 'LoggedOff' | 'IdleTimeout'; message: string }
  | { kind: 'powerOff'; message: string };

export interface VerdictInput {
  session: Session | undefined;
  assignment: VirtualDesktopPoolSpec['assignment'];
  policy: VirtualDesktopPoolSpec['session'];
  /** The desktop is meant to run (a powered-off one is not powered off again). */
  running: boolean;
  now: Date;
}

const MINUTE_MS = 60_000;

export function sessionVerdict({ session, assignment, policy, running, now }: VerdictInput): Verdict {
  // Someone is on, or nobody can tell (no guest agent): nothing falls due.
  if (!session?.idleSince || (session.loggedInUsers?.length ?? 0) > 0) return { kind: 'keep' };
  // The user's activity through kubevdi (an open console, "I'm still working") restarts both clocks.
  const activity = session.lastActivityTime ? Date.parse(session.lastActivityTime) : Number.NEGATIVE_INFINITY;
  const idleFrom = Math.max(Date.parse(session.idleSince), activity);
  const due: { at: number; pending: PendingAction; verdict: Verdict }[] = [];

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
        : { kind: 'powerOff', message: `powered off: ${what}` },
    });
  }

  // Earliest first; on a tie, a logoff explains more than idleness.
  due.sort((a, b) => a.at - b.at);
  const first = due[0];
  if (!first) return { kind: 'keep' };
  if (first.at <= now.getTime()) return first.verdict;
  return { kind: 'keep', recheckInMs: first.at - now.getTime(), pending: first.pending };
}

function minutes(n: number): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}
