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

  it('runs at most its limit at once, the first to come first, the others under way meanwhile', async () => {
    const followUps = new FollowUps(() => {}, 2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    for (const [i, g] of gates.entries())
      followUps.start('ns/pool', `uid-${i}`, () => {
        started.push(i);
        return g.promise;
      });
    expect(started).toEqual([0, 1]);
    expect(followUps.underWay('uid-3')).toBe(true);
    gates[1]?.open();
    await followUps.after('uid-1');
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.refuse(new Error('refused'));
    await followUps.after('uid-0');
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]?.open();
    gates[3]?.open();
    await followUps.after('uid-3');
    expect(followUps.takeFailure('ns/pool')).toMatchObject({ error: new Error('refused') });
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
