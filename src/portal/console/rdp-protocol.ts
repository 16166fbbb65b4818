// What the RDP page and the portal's RDP gateway agree on: the paths, the ticket's answer, and the
// words for every way a connection does not open or ends. IronRDP reports a gateway's refusal only
// as the codes an RDCleanPath error carries (an HTTP status, a socket error, a TLS alert), so the
// gateway chooses its HTTP statuses to mean one thing each (GATEWAY_STATUS) and the page words
// them. The page imports this file: no Node imports here (src/api/remote-desktop.ts is zod alone).
import { z } from 'zod';
import { RdpSignIn, TransferDirection } from '../../api/remote-desktop.js';

export { intoDesktop, outOfDesktop } from '../../api/remote-desktop.js';

/** The remote desktop page of one desktop (the VNC console is consolePagePath in protocol.ts). */
export function rdpPagePath(namespace: string, desktop: string): string {
  return `/rdp/${encodeURIComponent(namespace)}/${encodeURIComponent(desktop)}`;
}

/** POST: a ticket for one connection to this desktop. */
export function rdpTicketPath(namespace: string, desktop: string): string {
  return `/api/rdp/${encodeURIComponent(namespace)}/${encodeURIComponent(desktop)}/ticket`;
}

/** The websocket IronRDP opens (its proxyAddress); `takeOver` ends a connection open elsewhere. */
export function rdpSocketPath(namespace: string, desktop: string, takeOver = false): string {
  const path = `/api/rdp/${encodeURIComponent(namespace)}/${encodeURIComponent(desktop)}`;
  return takeOver ? `${path}?takeOver=true` : path;
}

/** What the desktop's pool lets through its remote desktop (the pool's spec.rdp), as the page follows it. */
export const RdpPolicy = z.object({
  clipboard: TransferDirection,
  fileTransfer: TransferDirection,
  signIn: RdpSignIn,
});
export type RdpPolicy = z.infer<typeof RdpPolicy>;

/** POST's body: `after`, the connection that dropped, when the page asks again after a drop. */
export const RdpTicketRequest = z
  .object({
    after: z
      .string()
      .regex(/^[a-f0-9]{16}$/)
      .optional(),
  })
  .strict();
export type RdpTicketRequest = z.infer<typeof RdpTicketRequest>;

/**
 * The ticket's refusal when the page reconnects after an administrator ended its connection (within
 * the last minute): the person connects again when they choose, not automatically.
 */
export const ENDED_BY_ADMINISTRATOR = 410;

export const RdpTicket = z.object({
  /** RDCleanPath's proxy_auth. */
  ticket: z.string(),
  /** ms since the epoch. */
  expiresAt: z.number(),
  /** The connection the ticket opens (console records, audit lines and Events name it). */
  connection: z.string(),
  /** What IronRDP is told as its destination (the gateway decides where it really connects). */
  destination: z.string(),
  policy: RdpPolicy,
});
export type RdpTicket = z.infer<typeof RdpTicket>;

/** The HTTP statuses the gateway puts in RDCleanPath errors, each with one meaning. */
export const GATEWAY_STATUS = {
  /** The ticket is missing, forged, expired, used, for another desktop or another sign-in. */
  ticket: 401,
  /** The API server says the person may not open this desktop (the grant went). */
  forbidden: 403,
  /** Not a desktop of theirs, not running, or its pool does not offer RDP. */
  unreachable: 404,
  /** A connection to this desktop is open in another tab or device (take over to end it). */
  inUse: 409,
  /** The person's sign-in is over. */
  signedOut: 419,
  /** The API server could not answer. */
  unavailable: 503,
  /** The desktop's RDP server answered with something that is not RDP. */
  badGateway: 502,
} as const;

/** Socket errors (Windows Sockets codes, as RDCleanPath carries them) the page words. */
export const WSA_WORDS: Record<number, string> = {
  10061: 'The desktop is not accepting remote desktop connections yet. If it has just started, try again in a moment.',
  10060: 'The desktop did not answer in time. Try again in a moment.',
  10054: 'The desktop closed the connection while it was being set up. Try again.',
  10065: 'The desktop cannot be reached from the portal.',
  10051: 'The desktop cannot be reached from the portal.',
  11001: 'The desktop’s address could not be found.',
  11002: 'The desktop’s address could not be found yet. Try again in a moment.',
};

export const STATUS_WORDS: Record<number, string> = {
  [GATEWAY_STATUS.ticket]: 'This connection was not authorised by the portal, or it took too long to start. Try again.',
  [GATEWAY_STATUS.forbidden]: 'You may not open this desktop any more: it was given back or released.',
  [GATEWAY_STATUS.unreachable]: 'This desktop is not running, or it cannot be reached over remote desktop.',
  [GATEWAY_STATUS.inUse]: 'This desktop is open in another tab or on another device.',
  [GATEWAY_STATUS.signedOut]: 'Your sign-in has expired: sign in again.',
  [GATEWAY_STATUS.unavailable]: 'The portal could not ask the cluster whether you may connect. Try again in a moment.',
  [GATEWAY_STATUS.badGateway]: 'The desktop’s remote desktop server did not answer as expected.',
};

/** A failed TLS handshake with the desktop: a certificate the portal does not trust, most often. */
export const TLS_WORDS = 'The desktop’s certificate was not accepted by the portal, so it did not connect.';
