// An open console connection, as the portal records it on the claim of the desktop it reaches
// (annotations `console.kubevdi.io/<id>`): who, by which protocol, from where, since when, last
// seen when; later, how it ended. An administrator's request to end it is an annotation of its own
// (CONSOLE_END_ANNOTATION_PREFIX), which users cannot write. It is the one place every portal
// replica, the operator and the Admin Portal learn about connections a replica holds in memory.
// The value is JSON written by people's own credentials (through the portal): it is parsed, never
// trusted to be well formed, and what does not parse is ignored.
import { z } from 'zod';
import { CONSOLE_ANNOTATION_PREFIX, CONSOLE_END_ANNOTATION_PREFIX } from './annotations.js';

/** How often the portal refreshes an open connection's record (with its activity report). */
export const CONSOLE_REFRESH_MS = 60_000;
/** A record not refreshed for this long belongs to a portal replica that is gone: the connection is lost. */
export const CONSOLE_LOST_AFTER_MS = 3 * CONSOLE_REFRESH_MS;
/** How long an administrator's end request stays after it was made, once its connection is gone. */
export const CONSOLE_END_KEPT_MS = 60_000;

export const ConsoleRecord = z.object({
  protocol: z.enum(['vnc', 'rdp']),
  /** Who connected, as the API server names them (the claim's user, or an administrator's support console). */
  person: z.string().max(512),
  /** The browser's address as the portal saw it. */
  client: z.string().max(256),
  desktop: z.string().max(253),
  since: z.iso.datetime(),
  /** Refreshed while the connection is open (with the activity report): a record not seen for long is lost. */
  seen: z.iso.datetime(),
  /** Another tab or device, through another portal replica, took the desktop over: the carrier ends this one. */
  takenOverAt: z.iso.datetime().optional(),
  /** The connection ended: when and why (a ConsoleEnd of the portal's). */
  ended: z.iso.datetime().optional(),
  endedBy: z.string().max(64).optional(),
});
export type ConsoleRecord = z.infer<typeof ConsoleRecord>;

/** Connection ids: what the portal makes (16 hex digits), and all an annotation name may hold. */
const ID = /^[a-f0-9]{16}$/;

export function isConsoleId(id: string): boolean {
  return ID.test(id);
}

export function consoleAnnotation(id: string): string {
  if (!ID.test(id)) throw new Error(`not a console connection id: ${id}`);
  return `${CONSOLE_ANNOTATION_PREFIX}${id}`;
}

/** The annotation that asks the portal carrying connection `id` to end it. */
export function consoleEndAnnotation(id: string): string {
  if (!ID.test(id)) throw new Error(`not a console connection id: ${id}`);
  return `${CONSOLE_END_ANNOTATION_PREFIX}${id}`;
}

/**
 * An administrator's request to end a connection: who asked and when — kept a minute after the
 * connection is gone (CONSOLE_END_KEPT_MS), so the person's page, about to reconnect after the
 * drop, learns it was ended on purpose and does not reconnect.
 */
export const ConsoleEndRequest = z.object({
  by: z.string().max(512),
  at: z.iso.datetime(),
});
export type ConsoleEndRequest = z.infer<typeof ConsoleEndRequest>;

/** The well-formed end requests among an object's annotations, by connection id. */
export function endRequests(annotations: Record<string, string> | undefined): Map<string, ConsoleEndRequest> {
  const requests = new Map<string, ConsoleEndRequest>();
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(CONSOLE_END_ANNOTATION_PREFIX)) continue;
    const id = key.slice(CONSOLE_END_ANNOTATION_PREFIX.length);
    const request = ID.test(id) ? parseJson(ConsoleEndRequest, value) : undefined;
    if (request) requests.set(id, request);
  }
  return requests;
}

/** Who asked for the end of connection `id`, if anyone has. */
export function endRequestedBy(annotations: Record<string, string> | undefined, id: string): string | undefined {
  return endRequests(annotations).get(id)?.by;
}

/** The administrator who ended connection `id` within CONSOLE_END_KEPT_MS of `now`, if one did. */
export function recentlyEndedBy(
  annotations: Record<string, string> | undefined,
  id: string,
  now: Date,
): string | undefined {
  const request = endRequests(annotations).get(id);
  return request && now.getTime() - Date.parse(request.at) < CONSOLE_END_KEPT_MS ? request.by : undefined;
}

export interface ConsoleEntry {
  id: string;
  record: ConsoleRecord;
  /** The administrator who asked for its end, if one has. */
  endRequestedBy?: string;
}

/** The well-formed console records among an object's annotations, oldest first. */
export function consoleRecords(annotations: Record<string, string> | undefined): ConsoleEntry[] {
  const entries: ConsoleEntry[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(CONSOLE_ANNOTATION_PREFIX)) continue;
    const id = key.slice(CONSOLE_ANNOTATION_PREFIX.length);
    if (!ID.test(id)) continue;
    const record = parseJson(ConsoleRecord, value);
    const by = endRequestedBy(annotations, id);
    if (record) entries.push({ id, record, ...(by ? { endRequestedBy: by } : {}) });
  }
  return entries.sort((a, b) => a.record.since.localeCompare(b.record.since) || a.id.localeCompare(b.id));
}

/** Every annotation key of console records and end requests, well formed or not (for clean-up). */
export function consoleKeys(annotations: Record<string, string> | undefined): string[] {
  return Object.keys(annotations ?? {}).filter(
    (k) => k.startsWith(CONSOLE_ANNOTATION_PREFIX) || k.startsWith(CONSOLE_END_ANNOTATION_PREFIX),
  );
}

function parseJson<S extends z.ZodType>(schema: S, value: string): z.infer<S> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Not refreshed for CONSOLE_LOST_AFTER_MS: the replica that carried it is gone. */
export function isLost(record: ConsoleRecord, now: Date): boolean {
  return now.getTime() - Date.parse(record.seen) >= CONSOLE_LOST_AFTER_MS;
}

/** The connections open now, as the records say (neither ended nor lost). */
export function openConsoles(annotations: Record<string, string> | undefined, now: Date): ConsoleEntry[] {
  return consoleRecords(annotations).filter((e) => !e.record.ended && !isLost(e.record, now));
}
