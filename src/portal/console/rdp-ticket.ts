// The ticket an RDP connection through the gateway presents (RDCleanPath's proxy_auth): minted by
// a POST from the portal's own page (CSRF-checked, as the person), naming one desktop, bound to the
// sign-in that asked for it, good for TICKET_TTL_MS and once. It is sealed with the session secret
// (any replica can read it; no one can forge or change it). It proves only that this sign-in asked
// for this desktop a moment ago: the API server is asked again when the ticket is used.
//
// Once means once per replica: each replica remembers the tickets it took until they expire. With
// several replicas a copied ticket could be tried once on each within its seconds — and only with
// the same session cookie, which the websocket must also carry.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type SealKey, seal, unseal } from '../signin/seal.js';
import type { Session } from '../signin/session.js';

export const TICKET_TTL_MS = 30_000;
const PURPOSE = 'rdp-ticket';

const Ticket = z.object({
  /** The desktop: namespace and VirtualMachine name. */
  ns: z.string(),
  desktop: z.string(),
  /** Which sign-in asked (sessionBinding). */
  by: z.string(),
  /** ms since the epoch. */
  exp: z.number(),
  id: z.string(),
  /** The connection it opens: its id on the claim's console record, its audit line and Events. */
  connection: z.string(),
});

export type TicketRefusal = 'invalid' | 'expired' | 'used' | 'other-desktop' | 'other-session';

export type Redeemed = { ok: true; connection: string } | { ok: false; why: TicketRefusal };

export interface RdpTickets {
  /** `connection`: the id of the connection the ticket will open (the page is told it, to ask about it later). */
  issue(
    namespace: string,
    desktop: string,
    session: Session,
    connection: string,
  ): { ticket: string; expiresAt: number };
  /** Takes the ticket when it is good for this desktop and sign-in: the connection it opens, else why not. */
  redeem(ticket: string, namespace: string, desktop: string, session: Session): Redeemed;
}

/**
 * A sign-in, as a ticket names it: stable while the session's token is renewed, different for
 * another sign-in (another person, or the same person signing in again).
 */
export function sessionBinding(session: Session): string {
  return createHash('sha256')
    .update(`${session.method}\n${session.signedInAt}\n${session.name ?? ''}`)
    .digest('base64url');
}

export function rdpTickets(key: SealKey, now: () => number = Date.now): RdpTickets {
  /** Ticket ids taken here, with when they expire (then they are refused as expired anyway). */
  const taken = new Map<string, number>();
  const forget = () => {
    const t = now();
    for (const [id, exp] of taken) if (exp < t) taken.delete(id);
  };

  return {
    issue(namespace, desktop, session, connection) {
      const expiresAt = now() + TICKET_TTL_MS;
      const body: z.infer<typeof Ticket> = {
        ns: namespace,
        desktop,
        by: sessionBinding(session),
        exp: expiresAt,
        id: randomBytes(16).toString('base64url'),
        connection,
      };
      return { ticket: seal(key, PURPOSE, JSON.stringify(body)), expiresAt };
    },
    redeem(ticket, namespace, desktop, session) {
      const no = (why: TicketRefusal) => ({ ok: false, why }) as const;
      const opened = unseal(key, PURPOSE, ticket);
      if (opened === undefined) return no('invalid');
      let parsed: z.infer<typeof Ticket>;
      try {
        parsed = Ticket.parse(JSON.parse(opened));
      } catch {
        return no('invalid');
      }
      forget();
      if (parsed.exp < now()) return no('expired');
      if (taken.has(parsed.id)) return no('used');
      if (parsed.ns !== namespace || parsed.desktop !== desktop) return no('other-desktop');
      if (parsed.by !== sessionBinding(session)) return no('other-session');
      taken.set(parsed.id, parsed.exp);
      return { ok: true, connection: parsed.connection };
    },
  };
}
