// Warm desktops on a schedule, end to end: the operator as its own process on a clock the test
// moves (--test-clock-file), the KubeVirt simulator, a real API server. The test sets the clock a
// few seconds before a boundary and lets the operator's own requeue find it: a window opening
// warms its count; closing keeps the surplus warm for the power-off delay, then powers off the
// free desktops and never the one a user holds.
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { HOLDER_ANNOTATION } from '../src/api/annotations.js';
import { useClockFile } from './support/clock-file.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops, type Vm } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { sampleValue } from './support/metrics.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('capacity');
const world = useWorld(namespace);
const { templateWithDisks, pool, claim, readClaim, readPool, deleteClaim, vms, bound } = useDesktops(namespace);

const clock = useClockFile();
const setClock = clock.set;

async function eventReasons(): Promise<string[]> {
  const events = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() });
  return events.items.filter((e) => e.involvedObject.kind === 'VirtualDesktopPool').map((e) => e.reason ?? '');
}

const running = (desktops: Vm[]) =>
  desktops
    .filter((vm) => vm.spec.runStrategy === 'Always')
    .map((vm) => vm.metadata?.name as string)
    .sort();
const heldBy = (desktops: Vm[], user: string) =>
  desktops.find((vm) => vm.metadata?.annotations?.[HOLDER_ANNOTATION] === user)?.metadata?.name;

describe('a pool with a capacity schedule', () => {
  it('warms its count when a window opens, and powers off the free surplus a delay after it closes, never a held desktop', async () => {
    // Monday 23 March 2026 in Berlin (winter time, +01:00).
    await setClock('2026-03-23T07:50:00+01:00');
    const operator = await world.start(clock.flags());
    // The warm target as the dashboard reads it: the schedule's, from the pool's status.
    const warmTargetMetric = async () =>
      sampleValue(await (await fetch(`${operator.healthUrl}/metrics`)).text(), 'kubevdi_pool_warm_target', {
        pool: 'sales',
      });
    await templateWithDisks();
    await pool('sales', {
      size: 6,
      // The clock moves ten hours with nobody logged on: no idle timeout may end alice's claim.
      session: { idle: { action: 'None' } },
      capacity: {
        timeZone: 'Europe/Berlin',
        schedules: [
          {
            name: 'office-hours',
            days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
            from: '08:00',
            to: '18:00',
            warm: 3,
          },
        ],
        powerOffDelayMinutes: 30,
      },
    });

    // Before the window: six desktops, none warm, and the status says when that changes.
    await eventually(async () => {
      const p = await readPool('sales');
      expect(p.status?.desktops).toBe(6);
      expect(p.status?.capacity).toMatchObject({
        phase: 'OffPeak',
        warmTarget: 0,
        nextChange: '2026-03-23T08:00:00+01:00',
        nextWarmTarget: 3,
      });
      expect(p.status?.observedGeneration).toBe(p.metadata.generation);
    });
    expect(running(await vms())).toEqual([]);
    expect(await warmTargetMetric()).toBe(0);

    // Two seconds before 08:00. Nothing else happens: the operator's own requeue finds the boundary.
    await setClock('2026-03-23T07:59:58+01:00');
    await eventually(async () => {
      expect((await readPool('sales')).status?.capacity).toMatchObject({
        phase: 'InWindow',
        window: 'office-hours',
        warmTarget: 3,
        nextChange: '2026-03-23T18:00:00+01:00',
      });
      expect(running(await vms())).toHaveLength(3);
    }, 60_000);
    await eventually(async () => expect((await readPool('sales')).status?.ready).toBe(3));
    expect(await warmTargetMetric()).toBe(3);

    // alice takes one; another is started so three stay warm for the next people.
    await claim('alice', 'alice');
    await bound('alice', { ready: true });
    const alices = heldBy(await vms(), 'alice');
    expect(alices).toBeDefined();
    await eventually(async () => expect(running(await vms())).toHaveLength(4));

    // 18:00: the window closes, but the surplus stays warm for the delay.
    await setClock('2026-03-23T17:59:58+01:00');
    await eventually(async () => {
      expect((await readPool('sales')).status?.capacity).toMatchObject({
        phase: 'RampDown',
        window: 'office-hours',
        warmTarget: 3,
        nextChange: '2026-03-23T18:30:00+01:00',
        nextWarmTarget: 0,
      });
    }, 60_000);
    expect(running(await vms())).toHaveLength(4);

    // 18:30: the free ones are powered off; alice's desktop runs on, and her claim holds.
    await setClock('2026-03-23T18:29:58+01:00');
    await eventually(async () => {
      expect((await readPool('sales')).status?.capacity).toMatchObject({
        phase: 'OffPeak',
        warmTarget: 0,
        nextChange: '2026-03-24T08:00:00+01:00',
      });
      expect(running(await vms())).toEqual([alices]);
    }, 60_000);
    expect((await readClaim('alice')).status?.phase).toBe('Bound');
    await eventually(async () =>
      expect(await eventReasons()).toEqual(expect.arrayContaining(['WindowOpened', 'RampingDown', 'OffPeak'])),
    );
  }, 240_000);

  it('replaces warm desktops nobody claimed within their time-to-live with fresh ones', async () => {
    await setClock('2026-03-23T09:00:00+01:00');
    await world.start(clock.flags());
    await templateWithDisks();
    await pool('sales', {
      size: 4,
      updateStrategy: { maxUnavailable: 1 },
      capacity: { timeZone: 'Europe/Berlin', offPeakWarm: 2, warmTimeToLiveMinutes: 60 },
    });
    const warm = async () => {
      const desktops = await vms();
      return desktops
        .filter((vm) => vm.spec.runStrategy === 'Always' && vm.status?.ready && !vm.metadata?.deletionTimestamp)
        .map((vm) => `${vm.metadata?.name}/${vm.metadata?.uid}`)
        .sort();
    };
    // Warm, and seen warm by the operator (its status counts them ready): the time-to-live runs
    // from when it saw them.
    const before = await eventually(async () => {
      const w = await warm();
      expect(w).toHaveLength(2);
      expect((await readPool('sales')).status?.ready).toBe(2);
      return w;
    });

    // An hour and a minute later nobody has taken them: both are made afresh, and two stay warm.
    await setClock('2026-03-23T10:01:00+01:00');
    await eventually(async () => {
      const after = await warm();
      expect(after).toHaveLength(2);
      expect(after.filter((d) => before.includes(d))).toEqual([]);
    }, 60_000);
    await eventually(async () => expect(await eventReasons()).toContain('WarmDesktopsReplaced'));
  }, 240_000);
});

describe('a pool that grows on demand', () => {
  it('creates desktops as claims arrive and removes the idle surplus after the delay, down to the minimum', async () => {
    await setClock('2026-03-23T09:00:00+01:00');
    await world.start(clock.flags());
    await templateWithDisks();
    await pool('sales', {
      size: 10,
      session: { idle: { action: 'None' } },
      growth: { minSize: 1, removeAfterMinutes: 30 },
    });
    const live = async () => (await vms()).filter((vm) => !vm.metadata?.deletionTimestamp);
    await eventually(async () => {
      expect(await live()).toHaveLength(1);
      expect((await readPool('sales')).status?.growth).toEqual({ targetSize: 1 });
    });

    // Three people at once: one gets the desktop there is, two more are made for the others.
    for (const user of ['alice', 'bob', 'carol']) await claim(user, user);
    for (const user of ['alice', 'bob', 'carol']) await bound(user);
    expect(await live()).toHaveLength(3);
    const alices = heldBy(await vms(), 'alice');

    // Two leave: their desktops go back (a Stateless pool makes them anew) and the pool keeps
    // three for the delay, in case they come back.
    await deleteClaim('bob');
    await deleteClaim('carol');
    await eventually(async () => {
      expect((await readPool('sales')).status?.growth).toMatchObject({
        targetSize: 3,
        surplusSince: expect.stringMatching(/^2026-03-23T08:0\d:\d\dZ$/), // the clock runs on
      });
    });
    // Made anew while the surplus waits: three, as before.
    await eventually(async () => expect(await live()).toHaveLength(3));

    // Half an hour later: down to what is held, which is the minimum; alice keeps hers.
    await setClock('2026-03-23T09:30:30+01:00');
    await eventually(async () => {
      expect((await readPool('sales')).status?.growth).toEqual({ targetSize: 1 });
      expect((await live()).map((vm) => vm.metadata?.name)).toEqual([alices]);
    }, 60_000);
    expect((await readClaim('alice')).status?.phase).toBe('Bound');
    await eventually(async () => expect(await eventReasons()).toContain('ScaledDown'));
  }, 240_000);
});
