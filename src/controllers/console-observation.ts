// From the console records on a claim (what the portal says about connections it carries) to the
// claim's `status.consoles`, the Events that mark each connection, and the annotations to remove:
// ended records once their Event is out, records no portal refreshed for CONSOLE_LOST_AFTER_MS (the
// replica that carried them is gone), malformed ones, and end requests a minute after they were
// made once their connection is gone.
// Pure: the session controller reads and writes.
import { CONSOLE_ANNOTATION_PREFIX, CONSOLE_END_ANNOTATION_PREFIX } from '../api/annotations.js';
import {
  CONSOLE_END_KEPT_MS,
  CONSOLE_LOST_AFTER_MS,
  type ConsoleEntry,
  consoleKeys,
  consoleRecords,
  endRequests,
  isLost,
} from '../api/console-record.js';
import type { DesktopClaimStatus } from '../api/desktopclaim.js';

export type StatusConsole = NonNullable<DesktopClaimStatus['consoles']>[number];

export interface ConsoleEvent {
  type: 'Normal' | 'Warning';
  // The request to end one is the administrator's own Event (the Admin Portal records it as them).
  reason: 'ConsoleConnected' | 'ConsoleDisconnected' | 'ConsoleLost';
  message: string;
}

export interface ConsoleObservation {
  /** `status.consoles`: the connections open now (undefined when none, so the field goes). */
  consoles: StatusConsole[] | undefined;
  events: ConsoleEvent[];
  /** Annotation keys to remove from the claim. */
  remove: string[];
  /** When to look again although nothing changes: the next record that would count as lost. */
  recheckAfterMs: number | undefined;
}

/** status.consoles holds at most this many; a claim with more (it should not) shows the newest. */
const MAX_SHOWN = 32;

const PROTOCOL = { vnc: 'the VNC console', rdp: 'remote desktop (RDP)' } as const;

/** What ended a connection, in words (the portal's ConsoleEnd values). */
const ENDED_BY: Record<string, string> = {
  browser: 'closed in the browser',
  desktop: 'closed by the desktop',
  'taken-over': 'taken over in another tab or device',
  revoked: 'the desktop was given back',
  'signed-out': 'the sign-in expired',
  'portal-stopping': 'the portal restarted',
  administrator: 'ended by an administrator',
};

export function observeConsoles(
  annotations: Record<string, string> | undefined,
  previous: readonly StatusConsole[] | undefined,
  now: Date,
): ConsoleObservation {
  const entries = consoleRecords(annotations);
  const known = new Map((previous ?? []).map((c) => [c.id, c]));
  const ends = endRequests(annotations);
  const stillOpen = new Set(entries.filter((e) => !e.record.ended && !isLost(e.record, now)).map((e) => e.id));
  let recheckAfterMs: number | undefined;
  const lookAgainIn = (ms: number) => {
    recheckAfterMs = Math.min(recheckAfterMs ?? Number.POSITIVE_INFINITY, ms);
  };
  // An end request stays while its connection is open, then a minute after it was made (the
  // person's page learns from it why the connection dropped); records are decided below.
  const keptEnd = (id: string) => {
    const request = ends.get(id);
    if (!request) return false;
    if (stillOpen.has(id)) return true;
    const left = CONSOLE_END_KEPT_MS - (now.getTime() - Date.parse(request.at));
    if (left > 0) lookAgainIn(left);
    return left > 0;
  };
  const kept = (k: string) =>
    (k.startsWith(CONSOLE_ANNOTATION_PREFIX) && entries.some((e) => k === `${CONSOLE_ANNOTATION_PREFIX}${e.id}`)) ||
    (k.startsWith(CONSOLE_END_ANNOTATION_PREFIX) && keptEnd(k.slice(CONSOLE_END_ANNOTATION_PREFIX.length)));
  const remove = consoleKeys(annotations).filter((k) => !kept(k));
  const events: ConsoleEvent[] = [];
  const shown: StatusConsole[] = [];

  for (const entry of entries) {
    const { id, record } = entry;
    const key = `${CONSOLE_ANNOTATION_PREFIX}${id}`;
    const before = known.get(id);
    if (record.ended) {
      events.push({ type: 'Normal', reason: 'ConsoleDisconnected', message: disconnected(entry) });
      remove.push(key);
      continue;
    }
    if (isLost(record, now)) {
      events.push({
        type: 'Warning',
        reason: 'ConsoleLost',
        message: `${who(entry)}: the portal carrying it stopped reporting at ${record.seen} (it restarted or lost its connection to the cluster)`,
      });
      remove.push(key);
      continue;
    }
    lookAgainIn(CONSOLE_LOST_AFTER_MS - (now.getTime() - Date.parse(record.seen)));
    if (!before) events.push({ type: 'Normal', reason: 'ConsoleConnected', message: `${who(entry)} opened` });
    shown.push({
      id,
      protocol: record.protocol,
      person: record.person,
      client: record.client,
      since: record.since,
      ...(entry.endRequestedBy ? { endRequestedBy: entry.endRequestedBy } : {}),
    });
  }
  const consoles = shown.slice(-MAX_SHOWN);
  return { consoles: consoles.length ? consoles : undefined, events, remove, recheckAfterMs };
}

function who({ record }: ConsoleEntry): string {
  return `${record.person}'s connection to desktop ${record.desktop} by ${PROTOCOL[record.protocol]} from ${record.client}`;
}

function disconnected(entry: ConsoleEntry): string {
  const { record } = entry;
  const seconds = Math.max(0, Math.round((Date.parse(record.ended as string) - Date.parse(record.since)) / 1000));
  const why = record.endedBy ? (ENDED_BY[record.endedBy] ?? record.endedBy) : 'ended';
  const by = record.endedBy === 'administrator' && entry.endRequestedBy ? ` (${entry.endRequestedBy})` : '';
  return `${who(entry)} ended after ${duration(seconds)}: ${why}${by}`;
}

/** "45 s", "12 min", "3 h 5 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}
