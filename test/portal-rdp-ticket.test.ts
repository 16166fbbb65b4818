import { describe, expect, it } from 'vitest';
import { rdpTickets, TICKET_TTL_MS } from '../src/portal/console/rdp-ticket.js';
import { sealKey } from '../src/portal/signin/seal.js';
import type { Session } from '../src/portal/signin/session.js';

const key = sealKey('a session secret of at least thirty-two bytes');
const ada: Session = { method: 'oidc', token: 't1', expiresAt: 2e12, signedInAt: 1000, name: 'Ada' };
const CONNECTION = '0123456789abcdef';
const bob: Session = { method: 'oidc', token: 't2', expiresAt: 2e12, signedInAt: 2000, name: 'Bob' };

describe('RDP tickets', () => {
  it('are good once, for their desktop and sign-in, within their seconds', () => {
    let now = 10_000;
    const tickets = rdpTickets(key, () => now);
    const { ticket, expiresAt } = tickets.issue('ns', 'sales-0', ada, CONNECTION);
    expect(expiresAt).toBe(now + TICKET_TTL_MS);
    expect(tickets.redeem(ticket, 'ns', 'sales-1', ada)).toEqual({ ok: false, why: 'other-desktop' });
    expect(tickets.redeem(ticket, 'other', 'sales-0', ada)).toEqual({ ok: false, why: 'other-desktop' });
    expect(tickets.redeem(ticket, 'ns', 'sales-0', bob)).toEqual({ ok: false, why: 'other-session' });
    // A renewed token is the same sign-in.
    expect(tickets.redeem(ticket, 'ns', 'sales-0', { ...ada, token: 'renewed' })).toEqual({
      ok: true,
      connection: CONNECTION,
    });
    expect(tickets.redeem(ticket, 'ns', 'sales-0', ada)).toEqual({ ok: false, why: 'used' });

    const late = tickets.issue('ns', 'sales-0', ada, CONNECTION).ticket;
    now += TICKET_TTL_MS + 1;
    expect(tickets.redeem(late, 'ns', 'sales-0', ada)).toEqual({ ok: false, why: 'expired' });
  });

  it('cannot be forged, changed, or read by another portal', () => {
    const tickets = rdpTickets(key);
    const { ticket } = tickets.issue('ns', 'sales-0', ada, CONNECTION);
    expect(tickets.redeem('v1.AAAA', 'ns', 'sales-0', ada)).toEqual({ ok: false, why: 'invalid' });
    const changed = `${ticket.slice(0, -3)}${ticket.endsWith('A') ? 'B' : 'A'}${ticket.slice(-2)}`;
    expect(tickets.redeem(changed, 'ns', 'sales-0', ada)).toEqual({ ok: false, why: 'invalid' });
    const elsewhere = rdpTickets(sealKey('another secret, also thirty-two bytes long'));
    expect(elsewhere.redeem(ticket, 'ns', 'sales-0', ada)).toEqual({ ok: false, why: 'invalid' });
    expect(tickets.redeem(ticket, 'ns', 'sales-0', ada)).toEqual({ ok: true, connection: CONNECTION });
  });
});
