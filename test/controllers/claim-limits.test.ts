import { describe, expect, it } from 'vitest';
import { claimsOverLimit, type LimitedClaim } from '../../src/controllers/claim-limits.js';

const claim = (name: string, user: string, created: number, more: Partial<LimitedClaim> = {}): LimitedClaim => ({
  name,
  uid: `uid-${name}`,
  user,
  created,
  live: true,
  holding: false,
  ...more,
});

describe('claimsOverLimit', () => {
  it('keeps the oldest claims of each person up to the limit and fails the rest', () => {
    const claims = Array.from({ length: 15 }, (_, i) => claim(`c${String(i).padStart(2, '0')}`, 'alice', 1000 - i));
    const over = claimsOverLimit([...claims, claim('bob', 'bob', 0)], 1, 'sales');
    expect(over).toHaveLength(14);
    expect(over.map((o) => o.name)).not.toContain('c14'); // the oldest
    expect(over[0]?.message).toBe(
      'alice already has 1 claim on pool sales (c14), the most it allows (maxDesktopsPerUser 1); release one and claim again',
    );
  });

  it('never fails a claim that holds a desktop, and ranks it before older waiting ones', () => {
    const over = claimsOverLimit(
      [
        claim('old', 'alice', 1),
        claim('held', 'alice', 5, { holding: true }),
        claim('held2', 'alice', 6, { holding: true }),
      ],
      1,
      'sales',
    );
    expect(over.map((o) => o.name)).toEqual(['old']);
    expect(over[0]?.message).toBe(
      'alice already holds 2 desktops of pool sales, the most it allows (maxDesktopsPerUser 1); release one and claim again',
    );
  });

  it('does not count released, failed or deleting claims; ties in time go by name', () => {
    const over = claimsOverLimit(
      [claim('gone', 'alice', 0, { live: false }), claim('b', 'alice', 3), claim('a', 'alice', 3)],
      1,
      'sales',
    );
    expect(over.map((o) => o.name)).toEqual(['b']);
  });
});
