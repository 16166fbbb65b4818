import { describe, expect, it } from 'vitest';
import type { DesktopState } from '../../src/controllers/pool-plan.js';
import { countDesktops, poolConditions } from '../../src/controllers/pool-status.js';
import { setConditions } from '../../src/runtime/conditions.js';

const d = (index: number, over: Partial<DesktopState> = {}): DesktopState => ({
  name: `p-${index}`,
  index,
  revision: 2,
  assigned: false,
  running: false,
  ready: false,
  deleting: false,
  ...over,
});

describe('pool status', () => {
  it('counts desktops, ready, available (idle, ready, up to date), assigned and updated', () => {
    const counts = countDesktops(
      [
        d(0, { ready: true }),
        d(1, { ready: true, revision: 1 }),
        d(2, { ready: true, assigned: true }),
        d(3),
        d(4, { deleting: true }),
      ],
      2,
    );
    expect(counts).toEqual({ desktops: 4, ready: 3, available: 1, assigned: 1, updated: 3 });
  });

  it('is Available once the prestarted desktops are ready, and Complete when nothing is left to do', () => {
    const counts = { desktops: 10, ready: 3, available: 3, assigned: 0, updated: 10 };
    const conditions = poolConditions({ size: 10, prestarted: 3, paused: false, counts, failing: [] });
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'DesktopsReady'],
      ['Progressing', 'False', 'Complete'],
      ['Degraded', 'False', 'AsExpected'],
      ['LeavingNodes', 'False', 'NoneLeft'],
    ]);
    // Nodes in maintenance with desktops of the pool on them: what is left, in the condition.
    const message = 'desktops still to move off nodes in maintenance: 2 on node-1 (in use by alice)';
    const leaving = poolConditions({
      size: 10,
      prestarted: 3,
      paused: false,
      counts,
      failing: [],
      maintenance: { leaving: true, message },
    }).find((c) => c.type === 'LeavingNodes');
    expect(leaving).toMatchObject({ status: 'True', reason: 'NodesInMaintenance', message });
  });

  it('says when every desktop is held', () => {
    const counts = { desktops: 2, ready: 2, available: 0, assigned: 2, updated: 2 };
    const [available] = poolConditions({ size: 2, prestarted: 1, paused: false, counts, failing: [] });
    expect(available).toEqual({
      type: 'Available',
      status: 'False',
      reason: 'PoolExhausted',
      message: 'all 2 desktops are held by users',
    });
  });

  it('is Degraded with the reason when it cannot make desktops, and names failing ones', () => {
    const counts = { desktops: 0, ready: 0, available: 0, assigned: 0, updated: 0 };
    const blocked = { reason: 'TemplateNotFound', message: 'VMTemplate ns/x does not exist' };
    const conditions = poolConditions({ size: 3, prestarted: 0, paused: false, counts, failing: [], blocked });
    expect(conditions[2]).toEqual({ type: 'Degraded', status: 'True', ...blocked });
    const failing = poolConditions({
      size: 3,
      prestarted: 0,
      paused: false,
      counts,
      failing: [{ name: 'p-1', status: 'CrashLoopBackOff' }],
    });
    expect(failing[2]?.message).toBe('1 desktops are failing: p-1 (CrashLoopBackOff)');
  });

  it('says in Progressing that the last changes failed, keeping its status and reason', () => {
    const counts = { desktops: 1, ready: 0, available: 0, assigned: 0, updated: 1 };
    const plan = {
      create: [1, 2],
      remove: [],
      recreate: [],
      refresh: [],
      updateInPlace: [],
      run: new Map(),
      heldOverSize: 0,
    };
    const situation = { size: 3, prestarted: 0, paused: false, counts, failing: [], plan };
    const [, planned] = poolConditions(situation);
    const [, failed] = poolConditions({ ...situation, failed: 'etcd is down' });
    expect(failed).toEqual({
      ...planned,
      message: 'creating 2 desktops; the last changes failed and are retried: etcd is down',
    });
  });
});

describe('setConditions', () => {
  it('moves lastTransitionTime only when the status flips, and stamps the generation', () => {
    const t0 = new Date('2026-01-01T00:00:00.123Z');
    const first = setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'A', message: 'a' }], 1, t0);
    expect(first).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'A',
        message: 'a',
        observedGeneration: 1,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
    const same = setConditions(
      first,
      [{ type: 'Ready', status: 'False', reason: 'B', message: 'b' }],
      2,
      new Date('2026-01-02T00:00:00Z'),
    );
    expect(same[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(same[0]?.observedGeneration).toBe(2);
    const flipped = setConditions(
      same,
      [{ type: 'Ready', status: 'True', reason: 'C', message: 'c' }],
      2,
      new Date('2026-01-03T00:00:00Z'),
    );
    expect(flipped[0]?.lastTransitionTime).toBe('2026-01-03T00:00:00Z');
  });

  it('keeps conditions it was not given', () => {
    const first = setConditions(undefined, [{ type: 'Other', status: 'True', reason: 'X', message: 'x' }], 1);
    const next = setConditions(first, [{ type: 'Ready', status: 'True', reason: 'Y', message: 'y' }], 1);
    expect(next.map((c) => c.type)).toEqual(['Ready', 'Other']);
  });

  it('tells a warm desktop replaced for its time-to-live from a rollout', () => {
    const counts = { desktops: 3, ready: 2, available: 2, assigned: 0, updated: 3 };
    const plan = {
      create: [],
      remove: [],
      recreate: ['p-0'],
      refresh: ['p-0'],
      updateInPlace: [],
      run: new Map(),
      heldOverSize: 0,
    };
    const [, progressing] = poolConditions({ size: 3, prestarted: 2, paused: false, counts, failing: [], plan });
    expect(progressing).toEqual({
      type: 'Progressing',
      status: 'True',
      reason: 'ReplacingWarmDesktops',
      message: 'replacing 1 warm desktops nobody claimed within their time-to-live',
    });
    const [, rolling] = poolConditions({
      size: 3,
      prestarted: 2,
      paused: false,
      counts,
      failing: [],
      plan: { ...plan, recreate: ['p-1', 'p-0'] },
    });
    expect(rolling?.reason).toBe('RollingOut');
  });

  it('calls a pool that grows on demand available while it has room to grow', () => {
    const counts = { desktops: 3, ready: 3, available: 0, assigned: 3, updated: 3 };
    const grows = { size: 3, prestarted: 0, paused: false, counts, failing: [] };
    expect(poolConditions({ ...grows, maxSize: 10 })[0]).toEqual({
      type: 'Available',
      status: 'True',
      reason: 'OnDemand',
      message: 'desktops are made as they are claimed: 3 now, up to 10',
    });
    expect(poolConditions({ ...grows, maxSize: 3 })[0]?.reason).toBe('PoolExhausted');
  });
});
