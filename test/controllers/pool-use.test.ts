// What growth on demand counts: held desktops, all desktops, and claims a new desktop would serve —
// each claim once, even in the moment its desktop shows the bind and its own status does not yet.
import { describe, expect, it } from 'vitest';
import { CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION } from '../../src/api/annotations.js';
import type { DesktopState } from '../../src/controllers/pool-plan.js';
import { type Claim, poolUse, waitingForADesktop } from '../../src/controllers/pool-use.js';

const claim = (uid: string, status?: Claim['status'], deleting = false): Claim =>
  ({
    apiVersion: 'kubevdi.io/v1alpha1',
    kind: 'DesktopClaim',
    metadata: { name: uid, uid, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { poolRef: { name: 'sales' }, user: uid },
    ...(status ? { status } : {}),
  }) as Claim;
const state = (index: number, over: Partial<DesktopState> = {}): DesktopState => ({
  name: `sales-${index}`,
  index,
  revision: 1,
  assigned: false,
  running: true,
  ready: true,
  deleting: false,
  ...over,
});
const pending = (reason: string) =>
  ({ phase: 'Pending', conditions: [{ type: 'Bound', status: 'False', reason }] }) as unknown as Claim['status'];

describe('waitingForADesktop', () => {
  it.each([
    ['a new claim, no status yet', claim('a'), true],
    ['pending on an exhausted pool', claim('a', pending('PoolExhausted')), true],
    ['pending on its user’s own limit', claim('a', pending('UserLimitReached')), false],
    ['pending on its own desktop’s reset', claim('a', pending('DesktopResetting')), false],
    ['bound', claim('a', { phase: 'Bound', desktop: { name: 'sales-0' } } as Claim['status']), false],
    ['released', claim('a', { phase: 'Released' } as Claim['status']), false],
    ['being deleted', claim('a', undefined, true), false],
  ])('%s', (_, c, waiting) => {
    expect(waitingForADesktop(c)).toBe(waiting);
  });
});

describe('poolUse', () => {
  it('counts a claim once when its desktop already shows the bind and its status does not', () => {
    const desktops = [
      { metadata: { name: 'sales-0', annotations: { [HOLDER_ANNOTATION]: 'a', [CLAIM_UID_ANNOTATION]: 'a' } } },
      { metadata: { name: 'sales-1' } },
    ];
    const states = [state(0, { assigned: true }), state(1), state(2, { deleting: true })];
    expect(poolUse([claim('a'), claim('b')], states, desktops)).toEqual({ held: 1, desktops: 2, waiting: 1 });
  });
});
