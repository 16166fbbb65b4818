// What the pool's session policies say to do with a bound claim now, after oVirt's
// console-disconnect action and Horizon's automatic logoff: release it some minutes after its
// user logged off (Automatic pools), and release or power off a desktop nobody has used for
// long. Pure; the claim controller carries the verdict out and asks again when it falls due.
import type { VirtualDesktopPoolSpec } from '../api/virtualdesktoppool.js';
import type { Session } from './session-observation.js';

export type Verdict =
  /** recheckInMs: ask again after this long, when the next policy falls due. */
  | { kind: 'keep'; recheckInMs?: number }
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
  const idleSince = Date.parse(session.idleSince);
  const due: { at: number; verdict: Verdict }[] = [];

  const { logoff, idle } = policy;
  if (assignment === 'Automatic' && logoff.action === 'Release' && session.lastSeenTime) {
    const loggedOff = Date.parse(session.lastSeenTime);
    due.push({
      at: loggedOff + logoff.gracePeriodMinutes * MINUTE_MS,
      verdict: {
        kind: 'release',
        reason: 'LoggedOff',
        message: `the user logged off at ${session.lastSeenTime} and did not log on again within the pool's grace period of ${minutes(logoff.gracePeriodMinutes)}`,
      },
    });
  }
  if (idle.action !== 'None' && idle.timeoutMinutes > 0 && (idle.action === 'Release' || running)) {
    const what = `nobody has been logged on since ${session.idleSince}, the pool's idle timeout of ${minutes(idle.timeoutMinutes)}`;
    due.push({
      at: idleSince + idle.timeoutMinutes * MINUTE_MS,
      verdict:
        idle.action === 'Release'
          ? { kind: 'release', reason: 'IdleTimeout', message: `released: ${what}` }
          : { kind: 'powerOff', message: `powered off: ${what}` },
    });
  }

  // Earliest first; on a tie, a logoff explains more than idleness.
  due.sort((a, b) => a.at - b.at);
  const first = due[0];
  if (!first) return { kind: 'keep' };
  if (first.at <= now.getTime()) return first.verdict;
  return { kind: 'keep', recheckInMs: first.at - now.getTime() };
}

function minutes(n: number): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}
