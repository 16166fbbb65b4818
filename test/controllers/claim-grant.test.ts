import type { V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/api/labels.js';
import { grantParts, grantWrites } from '../../src/controllers/claim-grant.js';
import { renderGrantBinding, renderGrantRole } from '../../src/render/grants.js';

const input = (desktop?: string) => ({
  claim: { name: 'alice-1', namespace: 'ns', uid: 'c1' },
  pool: 'sales',
  user: 'alice',
  desktop,
});
const kinds = (writes: readonly (V1Role | V1RoleBinding)[]) => writes.map((w) => w.kind);

describe('grantWrites', () => {
  const waiting = { role: renderGrantRole(input()), binding: renderGrantBinding(input()) };
  const bound = { role: renderGrantRole(input('sales-0')), binding: renderGrantBinding(input('sales-0')) };
  // What the API server gives back: the same rules with fields we never write.
  const served = {
    role: { ...bound.role, rules: bound.role.rules?.map((r) => ({ ...r, nonResourceURLs: undefined })) },
    binding: bound.binding,
  };
  const handEdited = {
    role: bound.role,
    binding: { ...bound.binding, subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }] },
  };
  const relabelled = {
    role: { ...bound.role, metadata: { ...bound.role.metadata, labels: { [LABELS.pool]: 'other' } } },
    binding: bound.binding,
  };
  it.each([
    [
      'nothing cached: the Role, then its RoleBinding',
      'sales-0',
      { role: undefined, binding: undefined },
      ['Role', 'RoleBinding'],
    ],
    ['as it should be: nothing', 'sales-0', bound, []],
    ['as served, with empty fields added: nothing', 'sales-0', served, []],
    ['a new bind: the Role gains the desktop, its binding stays', 'sales-0', waiting, ['Role']],
    ['given back: the desktop goes from the Role', undefined, bound, ['Role']],
    ['a binding edited by hand comes back', 'sales-0', handEdited, ['RoleBinding']],
    ['labels edited by hand come back', 'sales-0', relabelled, ['Role']],
  ])('%s', (_, desktop, cached, wanted) => {
    expect(kinds(grantWrites(input(desktop), cached))).toEqual(wanted);
  });
});

describe('grantParts', () => {
  const owned = (uid: string, owner: string) => ({
    metadata: { uid, ownerReferences: [{ apiVersion: 'v1', kind: 'DesktopClaim', name: 'alice-1', uid: owner }] },
  });
  it.each([
    ['none cached: both by name', undefined, undefined, { role: {}, binding: {} }],
    ['owned: both by uid', owned('r1', 'c1'), owned('b1', 'c1'), { role: { uid: 'r1' }, binding: { uid: 'b1' } }],
    [
      'a claim made again under the name owns them: neither',
      owned('r1', 'c2'),
      owned('b1', 'c2'),
      { role: undefined, binding: undefined },
    ],
    ['only the Role cached', owned('r1', 'c1'), undefined, { role: { uid: 'r1' }, binding: {} }],
  ])('%s', (_, role, binding, wanted) => {
    expect(grantParts('c1', { role, binding } as never)).toEqual(wanted);
  });
});
