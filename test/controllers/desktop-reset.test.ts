import { describe, expect, it } from 'vitest';
import { planClaims } from '../../src/controllers/claim-plan.js';
import { type ResetView, resetStep } from '../../src/controllers/desktop-reset.js';

const REQUESTED = '2026-11-25T10:00:00Z';
const vm = (runStrategy: string, created: boolean): ResetView => ({
  metadata: { annotations: { 'kubevdi.io/reset-requested': REQUESTED } },
  spec: { runStrategy },
  status: { created },
});
const disk = (creationTimestamp: string) => ({ uid: `uid-${creationTimestamp}`, creationTimestamp });

describe('resetting a desktop in place', () => {
  it('stops it, waits for the VMI to go, deletes disks older than the request, waits for new ones', () => {
    const old = disk('2026-11-25T09:00:00Z');
    const fresh = disk('2026-11-25T10:00:05Z');
    expect(resetStep(vm('Always', true), [old])).toBe('stop');
    expect(resetStep(vm('Halted', true), [old])).toBe('wait-stopped');
    expect(resetStep(vm('Halted', false), [old])).toBe('delete-disks');
    // A disk made in the very second of the request counts as old: made once more, never kept.
    expect(resetStep(vm('Halted', false), [disk(REQUESTED)])).toBe('delete-disks');
    expect(resetStep(vm('Halted', false), [undefined])).toBe('wait-disks');
    expect(resetStep(vm('Halted', false), [fresh, undefined])).toBe('wait-disks');
    expect(resetStep(vm('Halted', false), [fresh])).toBe('done');
    // A containerDisk desktop has no disk to remake: stopping it was the reset.
    expect(resetStep(vm('Halted', false), [])).toBe('done');
  });

  it('makes the user wait for their own desktop rather than take another one', () => {
    const decisions = planClaims({
      claims: [{ name: 'alice-2', uid: 'u2', user: 'alice', deleting: false }],
      desktops: [
        {
          name: 'sales-0',
          index: 0,
          holder: 'alice',
          ready: false,
          running: false,
          onTargetRevision: true,
          unusable: true,
        },
        { name: 'sales-1', index: 1, ready: true, running: true, onTargetRevision: true, unusable: false },
      ],
      maxDesktopsPerUser: 1,
    });
    expect(decisions).toEqual([
      {
        claim: 'alice-2',
        kind: 'pending',
        reason: 'DesktopResetting',
        message: 'desktop sales-0 of alice is being reset to a fresh disk; the claim is bound as soon as it is done',
      },
    ]);
  });
});
