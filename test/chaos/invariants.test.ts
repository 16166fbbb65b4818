// The invariant checker must see what it is there to see: each violation planted in an otherwise
// converged namespace is reported, in words naming the object.
import { describe, expect, it } from 'vitest';
import { CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION } from '../../src/api/annotations.js';
import { LABELS } from '../../src/api/labels.js';
import { checkConverged, checkSafety, type Expected } from './invariants.js';
import type { NamespaceState, ObjectMeta } from './state.js';

const meta = (name: string, uid: string, extra: Partial<ObjectMeta> = {}): ObjectMeta => ({
  name,
  uid,
  generation: 1,
  deleting: false,
  annotations: {},
  labels: {},
  ownerUids: [],
  ...extra,
});

function converged(): NamespaceState {
  return {
    pools: [{ meta: meta('p', 'pool-uid'), size: 2, status: { observedGeneration: 1, desktops: 2, assigned: 1 } }],
    claims: [{ meta: meta('c1', 'claim-uid'), pool: 'p', user: 'ann', phase: 'Bound', desktop: 'p-0' }],
    vms: [
      {
        meta: meta('p-0', 'vm0', {
          labels: { [LABELS.pool]: 'p' },
          ownerUids: ['pool-uid'],
          annotations: { [CLAIM_UID_ANNOTATION]: 'claim-uid', [HOLDER_ANNOTATION]: 'ann' },
        }),
      },
      { meta: meta('p-1', 'vm1', { labels: { [LABELS.pool]: 'p' }, ownerUids: ['pool-uid'] }) },
    ],
    grants: [
      { kind: 'Role', meta: meta('kubevdi-claim-c1', 'r', { ownerUids: ['claim-uid'] }), names: ['p-0'] },
      { kind: 'RoleBinding', meta: meta('kubevdi-claim-c1', 'rb', { ownerUids: ['claim-uid'] }), names: ['ann'] },
    ],
  };
}

const expected: Expected = {
  live: new Map([['c1', { pool: 'p', user: 'ann' }]]),
  deleted: new Set(['c0']),
  sizes: new Map([['p', 2]]),
};

describe('the chaos invariants', () => {
  it('hold for a converged namespace', () => {
    const verdict = checkConverged(converged(), expected);
    expect(verdict.violations).toEqual([]);
    expect(verdict.checks).toBeGreaterThan(10);
  });

  it('see a desktop bound to two claims, a grant without its claim and a stray desktop', () => {
    const s = converged();
    s.claims.push({ meta: meta('c2', 'claim2'), pool: 'p', user: 'bo', phase: 'Bound', desktop: 'p-0' });
    s.grants.push({ kind: 'Role', meta: meta('kubevdi-claim-gone', 'x', { ownerUids: ['gone'] }), names: [] });
    s.vms.push({ meta: meta('p-01', 'vm2', { labels: { [LABELS.pool]: 'p' } }) });
    expect(checkSafety(s).violations).toEqual([
      'desktop p-01 of pool p is not named <pool>-<index>',
      'desktop p-01 has no owner reference to its pool p (pool-uid)',
      'Role kubevdi-claim-gone outlives its claim (owners gone)',
      'desktop p-0 is bound to two claims: c1 and c2',
    ]);
  });

  it('see a lost claim, a deleted one still there, and a pool status that does not match', () => {
    const s = converged();
    const [c1] = s.claims.splice(0, 1);
    s.claims.push({ ...(c1 as (typeof s.claims)[number]), meta: meta('c0', 'claim0') });
    s.pools[0] = {
      ...(s.pools[0] as (typeof s.pools)[number]),
      status: { observedGeneration: 1, desktops: 3, assigned: 1 },
    };
    const violations = checkConverged(s, expected).violations;
    expect(violations).toContain('claim c1 was lost');
    expect(violations).toContain('deleted claim c0 is still there (Bound)');
    expect(violations).toContain('pool p status says 3 desktops, it has 2');
    expect(violations).toContain(
      'desktop p-0 is bound to claim uid claim-uid, which is gone [finding orphaned-binding, docs/CHAOS.md]',
    );
  });
});
