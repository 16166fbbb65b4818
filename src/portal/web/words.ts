// The words a person reads about their desktop: its state, who is logged on, the session policy's
// countdown and what each action keeps and loses. Pure (no DOM; times passed in), so the unit
// tests run it in Node.
import type { Claim, PendingAction, PoolKind, Session } from '../api-types.js';

/** KubeVirt's printableStatus in words; a status not listed here is shown as KubeVirt names it. */
const STATES: Record<string, string> = {
  Running: 'Running',
  Stopped: 'Stopped',
  Starting: 'Starting…',
  Stopping: 'Stopping…',
  Terminating: 'Shutting down…',
  Provisioning: 'Preparing its disk…',
  WaitingForVolumeBinding: 'Waiting for its disk…',
  Paused: 'Paused',
  Migrating: 'Moving to another host…',
  CrashLoopBackOff: 'Failing to start',
  ErrorUnschedulable: 'No host can run it now',
};

/** The desktop's state in words, from KubeVirt's status; undefined when the portal could not read it. */
export function stateText(state: string | undefined): string | undefined {
  if (!state) return undefined;
  return STATES[state] ?? state.replace(/([a-z])([A-Z])/g, '$1 $2');
}

/** `clock` formats a time of day; `day` a date (both from the page's locale). */
export interface TimeFormat {
  clock(date: Date): string;
  day(date: Date): string;
}

export const localTime: TimeFormat = {
  clock: (d) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
  day: (d) => d.toLocaleDateString([], { day: 'numeric', month: 'short' }),
};

/** "14:02", or "3 Dec 14:02" when it was not today. */
export function when(iso: string, now: Date, format: TimeFormat = localTime): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay ? format.clock(date) : `${format.day(date)} ${format.clock(date)}`;
}

/** Who is logged on, in one sentence. */
export function sessionText(session: Session | undefined, now: Date, format: TimeFormat = localTime): string {
  if (!session) return 'Not known yet';
  if (session.guestAgentConnected === false) return 'Can’t tell: the desktop’s guest agent does not answer';
  if (session.loggedInUsers.length === 0) return 'Nobody is logged on';
  return session.loggedInUsers
    .map((u) => {
      const who = u.domain ? `${u.domain}\\${u.userName}` : u.userName;
      return u.loginTime ? `${who} since ${when(u.loginTime, now, format)}` : who;
    })
    .join(', ');
}

/** "25 minutes", "1 minute", "40 seconds", "now". */
export function remaining(ms: number): string {
  if (ms <= 0) return 'now';
  if (ms < 120_000) {
    const s = Math.ceil(ms / 1000);
    return `${s} second${s === 1 ? '' : 's'}`;
  }
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} minutes`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${h} hours ${rest} minutes` : `${h} hours`;
}

/** Under this much time left, the countdown warns. */
export const WARN_MS = 10 * 60_000;

/** "This desktop will be released at 14:05 (in 25 minutes)." */
const ACTION_WORDS: Record<PendingAction['action'], string> = {
  Release: 'released',
  PowerOff: 'powered off',
  Restart: 'restarted for maintenance',
};

/** The action a countdown's data-action-due names (what the card was drawn with); Release when unknown. */
export function dueAction(written: string | undefined): PendingAction['action'] {
  return written === 'PowerOff' || written === 'Restart' ? written : 'Release';
}

/** What the live region says as a deadline nears: "released in 5 minutes unless you carry on working". */
export function deadlineAnnouncement(pending: PendingAction, left: number): string {
  // Maintenance waits for nobody's activity: saying "carry on working" would mislead.
  const unless = pending.reason === 'Maintenance' ? ': save your work' : ' unless you carry on working';
  return `${ACTION_WORDS[pending.action]} in ${remaining(left)}${unless}.`;
}

export function countdownText(pending: PendingAction, now: Date, format: TimeFormat = localTime): string {
  const deadline = new Date(pending.deadline);
  const left = deadline.getTime() - now.getTime();
  const what = ACTION_WORDS[pending.action];
  if (left <= 0) return `This desktop is being ${what} now.`;
  return `This desktop will be ${what} at ${when(pending.deadline, now, format)} (in ${remaining(left)}).`;
}

/**
 * Why the session policy will act, in the person's words and their local time; the operator's own
 * message goes under Details.
 */
export function pendingReason(claim: Claim, now: Date, format: TimeFormat = localTime): string {
  const pending = claim.pendingAction;
  if (!pending) return '';
  const session = claim.session;
  if (pending.reason === 'LoggedOff') {
    const at = session?.lastSeenTime ? ` at ${when(session.lastSeenTime, now, format)}` : '';
    return `You logged off${at} (or the desktop was shut down). Log on again, or say you are still working, to keep it.`;
  }
  if (pending.reason === 'Maintenance') {
    return 'The host it runs on is going into maintenance, and this desktop cannot move while it runs. Save your work before then.';
  }
  if (pending.reason === 'AfterHours') {
    return session?.loggedInUsers?.length
      ? "The pool's hours are over and nobody has used this desktop through the portal since. Say you are still working to keep it running."
      : "The pool's hours are over and nobody is logged on to this desktop. Log on, or say you are still working, to keep it running.";
  }
  // The idle clock starts at the later of the last logoff and the last activity through kubevdi.
  const since = [session?.idleSince, claim.lastActivityTime]
    .filter((t): t is string => !!t)
    .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  const sinceText = since ? ` since ${when(since, now, format)}` : ' for a while';
  return `Nobody has been logged on or active on it${sinceText}.`;
}

/** What happens when the deadline passes, beyond the operator's own reason. */
export function pendingConsequence(pending: PendingAction, kind: PoolKind | undefined): string {
  if (pending.action === 'Restart')
    return 'Programs still open on it are closed and unsaved work is lost; it starts again on another host and stays yours.';
  if (pending.action === 'PowerOff')
    return 'Programs still open on it are closed and unsaved work is lost; the desktop stays yours.';
  if (kind?.assignment === 'Manual')
    return kind.persistence === 'Stateless'
      ? 'It stays yours, but it is reset to a fresh disk: your files on it are discarded.'
      : 'It stays yours and keeps its disk; programs still open on it are closed.';
  if (kind?.persistence === 'Stateless')
    return 'It goes back to the pool and your files on it are discarded. Save your work elsewhere first.';
  if (kind?.persistence === 'Persistent')
    return 'It goes back to the pool with its disk; programs still open on it are closed.';
  return 'It goes back to the pool; programs still open on it are closed.';
}

/** The confirmation of "Log off and return": what the person keeps and what they lose. */
export function logOffWords(kind: PoolKind | undefined): string[] {
  const words = ['You are logged off: programs still open on the desktop are closed and unsaved work is lost.'];
  if (!kind) {
    words.push('Whether your files on it are kept depends on the pool. Ask your administrator if you are unsure.');
  } else if (kind.assignment === 'Manual') {
    words.push('This desktop is dedicated to you: it stays yours, and you get the same one when you come back.');
    words.push(
      kind.persistence === 'Stateless'
        ? 'It is reset to a fresh disk first: your files on this desktop are discarded.'
        : 'Its disk is kept: your files are still there when you come back.',
    );
  } else if (kind.persistence === 'Stateless') {
    words.push('The desktop goes back to the pool and is reset: your files on this desktop are discarded.');
  } else {
    words.push(
      'The desktop goes back to the pool and its disk is kept, but next time you may get another desktop of the pool.',
    );
  }
  return words;
}

export function stopWords(kind: PoolKind | undefined): string[] {
  const words = [
    'Stopping shuts the desktop down: programs still open on it are closed and unsaved work is lost.',
    'It stays yours, with its disk as it is. Start it again here when you need it.',
  ];
  if (kind?.assignment !== 'Manual')
    words.push('If it stays stopped, the pool may take it back after a while; this page says when.');
  return words;
}

export const RESTART_WORDS = [
  'Restarting closes every program on the desktop: unsaved work is lost.',
  'It stays yours, with its disk as it is, and is ready to connect again in a moment.',
];

/** The person's claims of a pool that hold or wait for a desktop: what maxDesktopsPerUser counts. */
export function activeClaims(claims: Iterable<Claim>, pool: { namespace: string; name: string }): number {
  let n = 0;
  for (const c of claims) {
    if (c.namespace !== pool.namespace || c.pool !== pool.name) continue;
    if (c.deleting || c.phase === 'Released' || c.phase === 'Failed') continue;
    if (c.conditions.some((x) => x.type === 'Released' && x.status === 'True')) continue;
    n++;
  }
  return n;
}

/** Why Get desktop is off, or undefined when it is on. */
export function limitText(held: number, max: number): string | undefined {
  if (held < max) return undefined;
  const desktops = max === 1 ? 'a desktop' : `${max} desktops`;
  return `You already have ${desktops} from this pool, the most you may hold. Log off and return one to get another.`;
}
