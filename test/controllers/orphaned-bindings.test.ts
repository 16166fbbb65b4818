import { describe, expect, it } from 'vitest';
import { CLAIM_ANNOTATION, CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION } from '../../src/api/annotations.js';
import { bindingsToConfirm, isOrphaned } from '../../src/controllers/orphaned-bindings.js';

const desktop = (name: string, claimUid?: string, extra: { deleting?: boolean } = {}) => ({
  metadata: {
    name,
    uid: `uid-${name}`,
    annotations: (claimUid
      ? { [HOLDER_ANNOTATION]: 'ada', [CLAIM_ANNOTATION]: `claim-of-${name}`, [CLAIM_UID_ANNOTATION]: claimUid }
      : {}) as Record<string, string>,
    ...(extra.deleting ? { deletionTimestamp: '2026-12-07T06:00:00Z' } : {}),
  },
});

describe('bindingsToConfirm', () => {
  const desktops = [
    desktop('free'),
    desktop('known', 'c1'),
    desktop('in-flight', 'c2'),
    desktop('unknown', 'c3'),
    desktop('going', 'c4', { deleting: true }),
    desktop('deleted-by-us', 'c5'),
  ];
  const names = (known: string[], inFlight: string[], gone: string[]) =>
    bindingsToConfirm(desktops, new Set(known), new Set(inFlight), new Set(gone)).map((c) => c.desktop.metadata?.name);

  it.each([
    { why: 'every claim known', known: ['c1', 'c2', 'c3', 'c4', 'c5'], inFlight: [], gone: [], want: [] },
    {
      why: 'claims the cache does not show, unless a bind of ours or a desktop going or gone',
      known: ['c1'],
      inFlight: ['c2'],
      gone: ['uid-deleted-by-us'],
      want: ['unknown'],
    },
    {
      why: 'nothing known: every bound desktop not on its way out',
      known: [],
      inFlight: [],
      gone: [],
      want: ['known', 'in-flight', 'unknown', 'deleted-by-us'],
    },
  ])('$why', ({ known, inFlight, gone, want }) => {
    expect(names(known, inFlight, gone)).toEqual(want);
  });

  it('names the claim and its holder, for the live read and for a Manual pool that keeps the desktop theirs', () => {
    const [candidate] = bindingsToConfirm([desktop('unknown', 'c3')], new Set(), new Set(), new Set());
    expect(candidate).toMatchObject({ claim: 'claim-of-unknown', claimUid: 'c3', holder: 'ada' });
  });
});

describe('isOrphaned', () => {
  const candidate = { desktop: {}, claim: 'alice', claimUid: 'c1', holder: 'alice' };
  it.each([
    { live: undefined, orphaned: true, why: 'no claim of that name' },
    { live: 'c9', orphaned: true, why: 'another claim made since under that name' },
    { live: 'c1', orphaned: false, why: 'the claim is there: the cache is behind' },
  ])('$why', ({ live, orphaned }) => {
    expect(isOrphaned(candidate, live)).toBe(orphaned);
  });
});
