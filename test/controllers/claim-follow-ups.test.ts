import { describe, expect, it } from 'vitest';
import { FollowUps } from '../../src/controllers/claim-follow-ups.js';

/** A promise and the hand that settles it. */
function gate() {
  let open!: () => void;
  let refuse!: (err: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    refuse = reject;
  });
  return { promise, open, refuse };
}

describe("a bind's follow-up", () => {
  it('is under way until it ends, runs once per claim, and tells its pool when it ends', async () => {
    const ended: string[] = [];
    const followUps = new FollowUps((key) => ended.push(key));
    const first = gate();
    let runs = 0;
    followUps.start('ns/pool', 'uid-1', () => {
      runs++;
      return first.promise;
    });
    followUps.start('ns/pool', 'uid-1', async () => {
      runs++;
    });
    expect(runs).toBe(1);
    expect(followUps.underWay('uid-1')).toBe(true);
    expect(followUps.underWay('uid-2')).toBe(false);
    expect(ended).toEqual([]);
    first.open();
    await followUps.after('uid-1');
    expect(followUps.underWay('uid-1')).toBe(false);
    expect(ended).toEqual(['ns/pool']);
    expect(followUps.takeFailure('ns/pool')).toBeUndefined();
  });

  it('lets what takes a grant away wait for it, and answers at once for a claim with none', async () => {
    const followUps = new FollowUps();
    const work = gate();
    const order: string[] = [];
    followUps.start('ns/pool', 'uid-1', async () => {
      await work.promise;
      order.push('grant written');
    });
    const release = followUps.after('uid-1').then(() => order.push('released'));
    await followUps.after('uid-9');
    order.push('no follow-up');
    work.open();
    await release;
    expect(order).toEqual(['no follow-up', 'grant written', 'released']);
  });

  it("keeps the first failure for its pool's next reconcile, once", async () => {
    const followUps = new FollowUps();
    const a = gate();
    const b = gate();
    followUps.start('ns/pool', 'uid-1', () => a.promise);
    followUps.start('ns/pool', 'uid-2', () => b.promise);
    followUps.start('ns/other', 'uid-3', async () => {});
    a.refuse(new Error('RoleBinding refused'));
    await followUps.after('uid-1');
    b.refuse(new Error('status refused'));
    await followUps.after('uid-2');
    await followUps.after('uid-3');
    expect(followUps.takeFailure('ns/pool')).toEqual({ error: new Error('RoleBinding refused') });
    expect(followUps.takeFailure('ns/pool')).toBeUndefined();
    expect(followUps.takeFailure('ns/other')).toBeUndefined();
    // A claim whose follow-up failed can have another.
    expect(followUps.underWay('uid-1')).toBe(false);
  });
});
