import { describe, expect, it } from 'vitest';
import { auditLine } from '../src/portal/console/audit.js';

describe('the console audit line', () => {
  const facts = {
    id: '0123456789abcdef',
    protocol: 'rdp',
    namespace: 'team',
    desktop: 'sales-0',
    client: '10.1.2.3',
    takeOver: false,
  } as const;
  const start = new Date('2026-12-07T09:00:00Z');
  const end = new Date('2026-12-07T09:30:05Z');

  it('says who, which desktop, from where, when, how much each way and why it ended', () => {
    expect(
      auditLine(facts, 'oidc:ada@example.com', start, end, { toDesktop: 1200, toBrowser: 98_000 }, 'revoked'),
    ).toEqual({
      audit: 'console-connection',
      connection: '0123456789abcdef',
      protocol: 'rdp',
      person: 'oidc:ada@example.com',
      desktop: 'team/sales-0',
      client: '10.1.2.3',
      takeOver: false,
      start: '2026-12-07T09:00:00.000Z',
      end: '2026-12-07T09:30:05.000Z',
      seconds: 1805,
      bytesToDesktop: 1200,
      bytesToBrowser: 98_000,
      endedBy: 'revoked',
    });
  });

  it('names the administrator who ended it', () => {
    const line = auditLine(facts, 'ada', start, end, { toDesktop: 0, toBrowser: 0 }, 'administrator', 'linus');
    expect(line).toMatchObject({ endedBy: 'administrator', endRequestedBy: 'linus' });
  });
});
