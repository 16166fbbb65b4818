// From one look at a desktop (who the guest agent says is logged on, or that the desktop is off)
// to the claim's `status.session` and the logons and logoffs since the last look. Pure: the
// session controller does the looking, the claim controller acts on the result.
import type { DesktopClaimStatus } from '../api/desktopclaim.js';
import { isoSeconds } from '../runtime/conditions.js';

export type Session = NonNullable<DesktopClaimStatus['session']>;
export type GuestUser = NonNullable<Session['loggedInUsers']>[number];

export type Observation =
  /** The guest agent answered with the users logged on now. */
  | { kind: 'users'; users: readonly GuestUser[] }
  /** The desktop does not run: nobody can be logged on to it. */
  | { kind: 'off' }
  /** It runs, but its guest agent does not answer: whether anyone is logged on is unknown. */
  | { kind: 'unknown' }
  /** KubeVirt's subresource API did not answer at all (virt-api down): unknown too, and why. */
  | { kind: 'unreachable'; message: string };

export interface SessionChange {
  session: Session;
  logons: GuestUser[];
  logoffs: GuestUser[];
}

/** `domain\user` when there is a domain, as Windows writes it. */
export function guestUserName(user: GuestUser): string {
  return user.domain ? `${user.domain}\\${user.userName}` : user.userName;
}

/**
 * The next session from the last one and what was seen at `now`. While nobody is logged on,
 * `idleSince` is when the last user logged off (`lastSeenTime`), or the bind time if nobody has
 * logged on during this claim. An unknown look keeps the users last seen but clears `idleSince`,
 * so no policy acts on a guest it cannot see.
 */
export function observeSession(
  previous: Session | undefined,
  observation: Observation,
  now: Date,
  boundTime: string | undefined,
): SessionChange {
  const before = previous?.loggedInUsers ?? [];
  if (observation.kind === 'unknown' || observation.kind === 'unreachable') {
    return {
      session: withoutUndefined({
        ...previous,
        guestAgentConnected: false,
        idleSince: undefined,
        kubevirtUnavailable: observation.kind === 'unreachable' ? observation.message : undefined,
      }),
      logons: [],
      logoffs: [],
    };
  }
  const users = observation.kind === 'users' ? unique(observation.users) : [];
  const names = new Set(users.map(guestUserName));
  const had = new Set(before.map(guestUserName));
  const logons = users.filter((u) => !had.has(guestUserName(u)));
  const logoffs = before.filter((u) => !names.has(guestUserName(u)));
  const stamp = isoSeconds(now);
  const lastSeenTime = users.length === 0 && before.length > 0 ? stamp : previous?.lastSeenTime;
  let idleSince: string | undefined;
  if (users.length > 0) idleSince = undefined;
  else if (before.length > 0) idleSince = stamp;
  // After a spell without the agent someone may have been on unseen: count from now.
  else if (previous?.guestAgentConnected === false) idleSince = previous.idleSince ?? stamp;
  else idleSince = previous?.idleSince ?? lastSeenTime ?? boundTime ?? stamp;
  return {
    session: withoutUndefined({
      loggedInUsers: users.length > 0 ? users : undefined,
      guestAgentConnected: observation.kind === 'users' ? true : previous?.guestAgentConnected,
      idleSince,
      lastSeenTime,
      lastActivityTime: previous?.lastActivityTime,
      activityMark: previous?.activityMark,
    }),
    logons,
    logoffs,
  };
}

/**
 * The session after the user's activity mark (the claim's activity annotation) was seen at `now`:
 * a new value is activity now, by this clock — never by a time the user wrote, so nobody can
 * set a date years ahead and keep a desktop from its policies. An unchanged or absent mark
 * changes nothing (undefined).
 */
export function observeActivity(
  previous: Session | undefined,
  mark: string | undefined,
  now: Date,
): Session | undefined {
  if (mark === undefined || mark === previous?.activityMark) return undefined;
  return { ...previous, lastActivityTime: isoSeconds(now), activityMark: mark.slice(0, MAX_MARK) };
}

/** The schema's bound on `activityMark`; longer annotations are recorded cut (still a change). */
const MAX_MARK = 256;

/** The guest agent lists a user once per session (several logons of one user are one user here). */
function unique(users: readonly GuestUser[]): GuestUser[] {
  const seen = new Map<string, GuestUser>();
  for (const user of users) {
    const name = guestUserName(user);
    const earlier = seen.get(name);
    // The earliest logon says since when this user has been on.
    if (!earlier || (user.loginTime && earlier.loginTime && user.loginTime < earlier.loginTime)) seen.set(name, user);
  }
  return [...seen.values()].sort((a, b) => guestUserName(a).localeCompare(guestUserName(b)));
}

function withoutUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
