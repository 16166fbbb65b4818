import { describe, expect, it } from 'vitest';
import { type DesktopState, type PlanInput, planPool, resolveMaxUnavailable } from '../../src/controllers/pool-plan.js';

const desktop = (index: number, over: Partial<DesktopState> = {}): DesktopState => ({
  name: `p-${index}`,
  index,
  revision: 1,
  assigned: false,
  running: false,
  ready: false,
  deleting: false,
  ...over,
});

const input = (over: Partial<PlanInput>): PlanInput => ({
  size: 0,
  prestarted: 0,
  targetRevision: 1,
  persistence: 'Stateless',
  updateStrategy: 'OnRelease',
  maxUnavailable: 1,
  desktops: [],
  maxChangesPerPass: 500,
  ...over,
});

describe('planPool', () => {
  it('creates the lowest free indexes up to size and starts the prestarted ones', () => {
    const plan = planPool(input({ size: 5, prestarted: 2, desktops: [desktop(1), desktop(3)] }));
    expect(plan.create).toEqual([0, 2, 4]);
    expect([...plan.run]).toEqual([
      ['p-1', true],
      ['p-3', true],
    ]);
  });

  it('never creates a name that is still being deleted', () => {
    const plan = planPool(input({ size: 2, desktops: [desktop(0, { deleting: true })] }));
    expect(plan.create).toEqual([1]);
  });

  it('caps the work of one pass', () => {
    expect(planPool(input({ size: 1000, maxChangesPerPass: 10 })).create).toHaveLength(10);
  });

  it('scales in by removing idle desktops only, halted before running, highest index first', () => {
    const desktops = [
      desktop(0, { running: true }),
      desktop(1),
      desktop(2, { assigned: true }),
      desktop(3, { running: true }),
      desktop(4),
    ];
    const plan = planPool(input({ size: 2, desktops }));
    expect(plan.remove).toEqual(['p-4', 'p-1', 'p-3']);
    expect(plan.heldOverSize).toBe(0);
  });

  it('keeps held desktops over size and says how many', () => {
    const plan = planPool(
      input({ size: 1, desktops: [desktop(0, { assigned: true }), desktop(1, { assigned: true })] }),
    );
    expect(plan.remove).toEqual([]);
    expect(plan.heldOverSize).toBe(1);
  });

  it('keeps already running desktops warm and halts the extra ones', () => {
    const desktops = [desktop(0), desktop(1, { running: true, ready: true }), desktop(2, { running: true })];
    const plan = planPool(input({ size: 3, prestarted: 1, desktops }));
    expect(Object.fromEntries(plan.run)).toEqual({ 'p-0': false, 'p-1': true, 'p-2': false });
  });

  it('recreates outdated idle desktops of a stateless pool within maxUnavailable, never held ones', () => {
    const desktops = [desktop(0, { running: true }), desktop(1), desktop(2), desktop(3, { assigned: true })];
    const plan = planPool(input({ size: 4, targetRevision: 2, maxUnavailable: 2, desktops }));
    expect(plan.recreate).toEqual(['p-1', 'p-2']);
    expect(plan.updateInPlace).toEqual([]);
  });

  it('counts desktops already being deleted against maxUnavailable', () => {
    const desktops = [desktop(0, { deleting: true }), desktop(1), desktop(2)];
    expect(planPool(input({ size: 3, targetRevision: 2, maxUnavailable: 1, desktops })).recreate).toEqual([]);
  });

  it('updates a persistent pool in place, keeping the disks', () => {
    const desktops = [desktop(0), desktop(1, { assigned: true })];
    const plan = planPool(input({ size: 2, targetRevision: 2, persistence: 'Persistent', desktops }));
    expect(plan.updateInPlace).toEqual(['p-0']);
    expect(plan.recreate).toEqual([]);
  });

  it('leaves existing desktops alone with the Manual update strategy', () => {
    const plan = planPool(input({ size: 1, targetRevision: 2, updateStrategy: 'Manual', desktops: [desktop(0)] }));
    expect(plan.recreate).toEqual([]);
    expect(plan.updateInPlace).toEqual([]);
  });
});

describe('resolveMaxUnavailable', () => {
  it('recreates warm desktops past their time-to-live after outdated ones, within maxUnavailable', () => {
    const desktops = [
      desktop(0, { running: true, ready: true }),
      desktop(1, { running: true, ready: true }),
      desktop(2, { revision: 0 }),
      desktop(3, { running: true, ready: true, assigned: true }),
    ];
    const expired = ['p-1', 'p-0', 'p-3'];
    const plan = planPool(input({ size: 4, prestarted: 2, desktops, expired, maxUnavailable: 2 }));
    expect(plan.recreate).toEqual(['p-2', 'p-1']);
    expect(plan.refresh).toEqual(['p-1']); // p-2 is there for its revision
    // A held desktop is never one of them, however long it ran.
    expect(planPool(input({ size: 4, desktops, expired, maxUnavailable: 4 })).recreate).toEqual(['p-2', 'p-1', 'p-0']);
    // A Persistent pool's desktops keep their disks.
    expect(planPool(input({ size: 4, desktops, expired, persistence: 'Persistent' })).recreate).toEqual([]);
  });

  it('removes surplus no faster than the rollout budget when asked to pace removals', () => {
    const desktops = [0, 1, 2, 3, 4, 5].map((i) => desktop(i));
    const paced = (over: Partial<PlanInput>) =>
      planPool(input({ size: 2, desktops, maxUnavailable: 2, pacedRemovals: true, ...over })).remove;
    expect(paced({})).toEqual(['p-5', 'p-4']);
    // One already going counts against the budget.
    expect(paced({ desktops: [...desktops.slice(0, 5), desktop(5, { deleting: true })] })).toEqual(['p-4']);
    // Unpaced (an administrator scaling in): all at once.
    expect(planPool(input({ size: 2, desktops, maxUnavailable: 2 })).remove).toHaveLength(4);
  });

  it('takes a number as it is and a percentage of size rounded down', () => {
    expect(resolveMaxUnavailable(3, 10)).toBe(3);
    expect(resolveMaxUnavailable('25%', 10)).toBe(2);
    expect(resolveMaxUnavailable('100%', 7)).toBe(7);
  });
});
