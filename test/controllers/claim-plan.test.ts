import { describe, expect, it } from 'vitest';
import { planClaims, type SeatState } from '../../src/controllers/claim-plan.js';

const seat = (name: string, index: number, over: Partial<SeatState> = {}): SeatState => ({
  name,
  index,
  ready: true,
  running: true,
  onTargetRevision: true,
  unusable: false,
  ...over,
});
const claim = (name: string, user = name) => ({ name, uid: `uid-${name}`, user, deleting: false });

describe('binding claims around nodes in maintenance', () => {
  it('hands out no desktop that runs on a node in maintenance', () => {
    const decisions = planClaims({
      claims: [claim('alice')],
      desktops: [seat('sales-0', 0, { onMaintenanceNode: true }), seat('sales-1', 1)],
      maxDesktopsPerUser: 1,
    });
    expect(decisions).toEqual([{ claim: 'alice', kind: 'bind', desktop: 'sales-1' }]);
  });

  it('says the free desktops are being moved when those are all there are', () => {
    const [decision] = planClaims({
      claims: [claim('alice')],
      desktops: [seat('sales-0', 0, { onMaintenanceNode: true })],
      maxDesktopsPerUser: 1,
    });
    expect(decision).toMatchObject({ kind: 'pending', reason: 'PoolExhausted' });
    expect(decision?.kind === 'pending' && decision.message).toContain('runs on a node in maintenance');
  });

  it("gives a Manual pool's holder their own desktop back wherever it runs", () => {
    const decisions = planClaims({
      claims: [claim('alice')],
      desktops: [seat('sales-0', 0, { holder: 'alice', onMaintenanceNode: true }), seat('sales-1', 1)],
      maxDesktopsPerUser: 1,
    });
    expect(decisions).toEqual([{ claim: 'alice', kind: 'bind', desktop: 'sales-0' }]);
  });
});
