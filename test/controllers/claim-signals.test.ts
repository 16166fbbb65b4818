import { describe, expect, it } from 'vitest';
import { type ClaimObject, claimChange, claimRow, countRows } from '../../src/controllers/claim-signals.js';

const claim = (status?: ClaimObject['status'], extra: ClaimObject['metadata'] = {}): ClaimObject => ({
  metadata: { namespace: 'team', creationTimestamp: '2026-12-07T09:00:00Z', ...extra },
  spec: { poolRef: { name: 'sales' } },
  ...(status ? { status } : {}),
});
const bound = (reason: string) => [{ type: 'Bound', reason }];
const exhausted = claim({ phase: 'Pending', conditions: bound('PoolExhausted') });
const starting = claim({ phase: 'Bound', desktop: { ready: false }, conditions: bound('DesktopBound') });
const ready = claim({ phase: 'Bound', desktop: { ready: true }, conditions: bound('DesktopBound') });
const failed = claim({ phase: 'Failed', conditions: bound('UserLimitReached') });
const T = Date.parse('2026-12-07T09:00:00Z');

describe('claims in the gauge', () => {
  it('count by pool, phase and the reason of their Bound condition; a new claim waits, a deleted one is gone', () => {
    const rows = [exhausted, exhausted, claim(), ready, claim(undefined, { deletionTimestamp: 'x' })].map(claimRow);
    expect(countRows(rows)).toEqual([
      { row: { namespace: 'team', pool: 'sales', phase: 'Pending', reason: 'PoolExhausted' }, claims: 2 },
      { row: { namespace: 'team', pool: 'sales', phase: 'Pending', reason: '' }, claims: 1 },
      { row: { namespace: 'team', pool: 'sales', phase: 'Bound', reason: 'DesktopBound' }, claims: 1 },
    ]);
  });
});

describe("a claim's change", () => {
  it('tells how long the person waited when its desktop becomes ready, once', () => {
    expect(claimChange(starting, ready, T + 42_000)).toEqual({ readyAfterSeconds: 42 });
    expect(claimChange(exhausted, ready, T + 90_000)).toEqual({ readyAfterSeconds: 90 });
    expect(claimChange(ready, ready, T + 99_000)).toEqual({});
    expect(claimChange(ready, starting, T + 99_000)).toEqual({}); // powered off and on again: not a new wait
  });

  it('measures from when the claim was seen appearing, finer than its creationTimestamp', () => {
    expect(claimChange(starting, ready, T + 1_750, T + 400)).toEqual({ readyAfterSeconds: 1.35 });
  });

  it('counts nothing it did not see happen: a claim first seen ready or Failed', () => {
    expect(claimChange(undefined, ready, T + 5_000)).toEqual({});
    expect(claimChange(undefined, failed, T + 5_000)).toEqual({});
  });

  it('tells when a claim turns Failed, and why', () => {
    expect(claimChange(claim(), failed, T)).toEqual({ failed: 'UserLimitReached' });
    expect(claimChange(failed, failed, T)).toEqual({});
  });
});
