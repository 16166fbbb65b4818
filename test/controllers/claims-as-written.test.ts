import { describe, expect, it } from 'vitest';
import type { Claim } from '../../src/controllers/claim-handover.js';
import { ClaimsAsWritten } from '../../src/controllers/claims-as-written.js';

const claim = (resourceVersion: string, phase?: string): Claim =>
  ({
    apiVersion: 'kubevdi.io/v1alpha1',
    kind: 'DesktopClaim',
    metadata: { name: 'ada-1', namespace: 'vdi', uid: 'uid-1', resourceVersion },
    spec: { poolRef: { name: 'sales' }, user: 'ada' },
    ...(phase ? { status: { phase } } : {}),
  }) as unknown as Claim;

describe('claims as this process wrote them', () => {
  it('shows the written claim while the cache shows the one the write was decided on, then the cache', () => {
    const asWritten = new ClaimsAsWritten();
    const before = claim('10');
    const after = claim('11', 'Bound');
    expect(asWritten.view(before)).toBe(before);
    asWritten.remember(before, after);
    // The cache lags: the status just written counts.
    expect(asWritten.view(claim('10'))).toBe(after);
    // The cache caught up (or someone wrote after us): the cache counts, and the memory goes.
    const later = claim('12', 'Bound');
    expect(asWritten.view(later)).toBe(later);
    expect(asWritten.view(claim('10'))).toEqual(claim('10'));
  });

  it('keeps nothing for a claim without a uid, and remembers only the last write of a claim', () => {
    const asWritten = new ClaimsAsWritten();
    const anonymous = { ...claim('1'), metadata: { name: 'x' } } as Claim;
    asWritten.remember(anonymous, claim('2', 'Bound'));
    expect(asWritten.view(anonymous)).toBe(anonymous);
    asWritten.remember(claim('10'), claim('11', 'Pending'));
    const second = claim('12', 'Bound');
    asWritten.remember(claim('11'), second);
    expect(asWritten.view(claim('11'))).toBe(second);
  });
});
