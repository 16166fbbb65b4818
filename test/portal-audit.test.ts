import { describe, expect, it } from 'vitest';
import { auditLine } from '../src/portal/console/audit.js';

describe('the console audit line', () => {
  it('says who, which desktop, from where, when, how much each way and why it ended', () => {
    const facts = {
      protocol: 'rdp',
      namespace: 'team',
      desktop: 'sales-0',
      client: '10.1.2.3',
      takeOver: false,
    } as const;
    expect(
      auditLine(
        facts,
        'oidc:ada@example.com',
        new Date('2026-12-07T09:00:00Z'),
        new Date('2026-12-07T09:30:05Z'),
        { toDesktop: 1200, toBrowser: 98_000 },
        'revoked',
      ),
    ).toEqual({
      audit: 'console-connection',
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
});
