// Node maintenance end to end (issue 18 §2): the operator as its own process on a clock the test
// moves, the KubeVirt simulator with two nodes of this test's own, a real API server. A node is
// cordoned: no claim is bound to a desktop there, its free desktops leave first and never more at
// once than the pool's rollout budget, the holder of a desktop there that cannot migrate (its disk
// is ReadWriteOnce) is told when it restarts, and it restarts on the other node only then; the
// holder of one that can (it boots from a container image, or its disk is ReadWriteMany) keeps
// working through it: the desktop migrates live, with no countdown ever shown.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useClockFile } from './support/clock-file.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { type Claim, useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('maint');
const world = useWorld(namespace, { nodes: 2 });
const clock = useClockFile();
const { templateWithDisks, templateFromImage, pool, claim, readClaim, readPool, vms, bound } = useDesktops(namespace);

interface Vmi {
  metadata?: { name?: string; uid?: string };
  status?: { nodeName?: string };
}

interface Migration {
  metadata?: { name?: string };
  spec?: { vmiName?: string };
  status?: { phase?: string; migrationState?: { sourceNode?: string; targetNode?: string } };
}

async function instances(): Promise<Vmi[]> {
  const list = (await kubeconfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachineinstances',
    namespace: namespace(),
  })) as { items: Vmi[] };
  return list.items;
}

async function nodeOf(desktop: string): Promise<string | undefined> {
  return (await instances()).find((i) => i.metadata?.name === desktop)?.status?.nodeName;
}

/** `kubectl cordon`: what puts a node in maintenance for kubevdi. */
async function cordon(node: string): Promise<void> {
  await kubeconfig()
    .makeApiClient(CoreV1Api)
    .patchNode(
      { name: node, body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

/** Watches a collection of the test's namespace for as long as the test needs; `stop()` ends it. */
async function watchAll<T>(plural: string, group: string, onObject: (obj: T) => void): Promise<() => void> {
  const controller = await new Watch(kubeconfig()).watch(
    `/apis/${group}/namespaces/${namespace()}/${plural}`,
    {},
    (_type, obj: T) => onObject(obj),
    () => undefined,
  );
  return () => controller.abort();
}

async function events(name: string): Promise<string[]> {
  const list = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason ?? '');
}

describe('a node in maintenance', () => {
  it('gets no new binds, loses its free desktops within the budget, and restarts a held one only after the countdown', async () => {
    await clock.set('2026-12-07T15:00:00Z');
    const operator = await world.start(clock.flags());
    await templateWithDisks();
    await pool('sales', {
      size: 6,
      prestarted: 6,
      session: { idle: { action: 'None' } },
      updateStrategy: { maxUnavailable: 1 },
      maintenance: { noticeMinutes: 60 },
    });
    // Six warm desktops, three on each node.
    await eventually(async () => {
      const placed = (await instances()).map((i) => i.status?.nodeName).filter(Boolean);
      expect(placed).toHaveLength(6);
      expect((await readPool('sales')).status?.ready).toBe(6);
    }, 60_000);
    await claim('alice', 'alice');
    const alices = (await bound('alice', { ready: true })).status?.desktop?.name as string;
    const node = (await nodeOf(alices)) as string;
    expect(node).toBeDefined();

    // The node goes into maintenance (kubectl cordon).
    await cordon(node);
    // While the free desktops leave, never more than one (the budget) is away at once.
    let fewestReadyFree = Number.POSITIVE_INFINITY;
    const sampling = setInterval(() => {
      void vms()
        .then((desktops) => {
          const readyFree = desktops.filter(
            (vm) =>
              !vm.metadata?.annotations?.['kubevdi.io/claim-uid'] &&
              vm.status?.ready &&
              !vm.metadata?.deletionTimestamp,
          ).length;
          fewestReadyFree = Math.min(fewestReadyFree, readyFree);
        })
        .catch(() => {});
    }, 100);
    try {
      // alice is told when her desktop restarts: it cannot migrate (a ReadWriteOnce disk).
      await eventually(async () =>
        expect((await readClaim('alice')).status?.pendingAction).toMatchObject({
          action: 'Restart',
          reason: 'Maintenance',
          deadline: expect.stringMatching(/^2026-12-07T16:00:\d\dZ$/),
        }),
      );
      // bob gets a desktop, but not one on the node in maintenance.
      await claim('bob', 'bob');
      const bobs = (await bound('bob', { ready: true })).status?.desktop?.name as string;
      expect(await nodeOf(bobs)).not.toBe(node);
      // Every free desktop leaves the node; alice's stays until her deadline.
      await eventually(async () => {
        const there = (await instances()).filter((i) => i.status?.nodeName === node).map((i) => i.metadata?.name);
        expect(there).toEqual([alices]);
        expect((await readPool('sales')).status?.ready).toBe(6);
      }, 90_000);
    } finally {
      clearInterval(sampling);
    }
    // Five free desktops, bob takes one, and at most one of the rest is away at a time: two that
    // left the node at once would leave two ready.
    expect(fewestReadyFree).toBeGreaterThanOrEqual(3);
    await eventually(async () => {
      const leaving = (await readPool('sales')).status?.conditions?.find((c) => c.type === 'LeavingNodes');
      expect(leaving).toMatchObject({ status: 'True', reason: 'NodesInMaintenance' });
      expect(leaving?.message).toContain(`: 1 on ${node} (in use by alice)`);
    });
    expect(await events('sales')).toContain('LeavingNode');
    const uid = (await instances()).find((i) => i.metadata?.name === alices)?.metadata?.uid;

    // An hour later by the operator's clock: her desktop restarts, on the other node, still hers.
    await clock.set('2026-12-07T16:00:30Z', operator);
    await eventually(async () => {
      const vmi = (await instances()).find((i) => i.metadata?.name === alices);
      expect(vmi?.metadata?.uid).not.toBe(uid);
      expect(vmi?.status?.nodeName).toBeDefined();
      expect(vmi?.status?.nodeName).not.toBe(node);
    }, 60_000);
    await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.phase).toBe('Bound');
      expect(c.status?.desktop?.name).toBe(alices);
      expect(c.status?.pendingAction).toBeUndefined();
    });
    await eventually(async () => expect(await events('alice')).toContain('RestartedForMaintenance'));
    await eventually(async () =>
      expect((await readPool('sales')).status?.conditions?.find((c) => c.type === 'LeavingNodes')).toMatchObject({
        status: 'False',
      }),
    );
  }, 300_000);

  // Two ways a desktop can migrate: it boots from a container image (no PVC at all), or its own
  // disk is on storage every node can mount (a ReadWriteMany clone, rootDisk.accessMode).
  it.each([
    ['a container image', () => templateFromImage()],
    ['a ReadWriteMany disk', () => templateWithDisks('fedora', 'ReadWriteMany')],
  ])(
    'migrates a held desktop that boots from %s: the same instance on another node, the same person, no countdown',
    async (_what, template) => {
      await world.start();
      await template();
      await pool('sales', {
        size: 2,
        prestarted: 2,
        session: { idle: { action: 'None' } },
        maintenance: { noticeMinutes: 60 },
      });
      await eventually(async () => {
        expect((await instances()).filter((i) => i.status?.nodeName)).toHaveLength(2);
        expect((await readPool('sales')).status?.ready).toBe(2);
      }, 60_000);
      await claim('alice', 'alice');
      const alices = (await bound('alice', { ready: true })).status?.desktop?.name as string;
      const before = (await instances()).find((i) => i.metadata?.name === alices);
      const node = before?.status?.nodeName as string;
      const uid = before?.metadata?.uid as string;
      expect(node).toBeDefined();
      // KubeVirt says it can migrate (a containerDisk is no PVC): the operator reads that, not the template.
      await eventually(async () => {
        const vmi = (await instances()).find((i) => i.metadata?.name === alices) as Vmi & {
          status?: { conditions?: { type: string; status: string }[] };
        };
        expect(vmi.status?.conditions?.find((c) => c.type === 'LiveMigratable')?.status).toBe('True');
      });

      // Everything alice could have seen, and every instance her desktop had, from before the cordon on.
      const countdowns: unknown[] = [];
      const holders = new Set<string>();
      const uids = new Set<string>();
      const stops = [
        await watchAll<Claim>('desktopclaims', 'kubevdi.io/v1alpha1', (c) => {
          if (c.metadata?.name !== 'alice') return;
          if (c.status?.pendingAction) countdowns.push(c.status.pendingAction);
          holders.add(`${c.status?.phase}:${c.status?.desktop?.name}`);
        }),
        await watchAll<Vmi>('virtualmachineinstances', 'kubevirt.io/v1', (i) => {
          if (i.metadata?.name === alices && i.metadata.uid) uids.add(i.metadata.uid);
        }),
      ];
      try {
        await cordon(node);
        // Her desktop leaves the node live: the same instance, now on the other node.
        const moved = await eventually(async () => {
          const vmi = (await instances()).find((i) => i.metadata?.name === alices);
          expect(vmi?.metadata?.uid).toBe(uid);
          expect(vmi?.status?.nodeName).toBeDefined();
          expect(vmi?.status?.nodeName).not.toBe(node);
          return vmi;
        }, 90_000);
        // By a VirtualMachineInstanceMigration the operator made, which KubeVirt carried out.
        const migrations = (
          (await kubeconfig().makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
            group: 'kubevirt.io',
            version: 'v1',
            plural: 'virtualmachineinstancemigrations',
            namespace: namespace(),
          })) as { items: Migration[] }
        ).items.filter((m) => m.spec?.vmiName === alices);
        expect(migrations).toContainEqual(
          expect.objectContaining({
            metadata: expect.objectContaining({ name: expect.stringMatching(new RegExp(`^${alices}-leave-`)) }),
            status: expect.objectContaining({
              phase: 'Succeeded',
              migrationState: expect.objectContaining({ sourceNode: node, targetNode: moved?.status?.nodeName }),
            }),
          }),
        );
        await eventually(async () => expect(await events('sales')).toContain('LeavingNode'));
        // Nothing of the pool is left on the node, and the pool says so.
        await eventually(async () => {
          expect((await instances()).filter((i) => i.status?.nodeName === node)).toEqual([]);
          const leaving = (await readPool('sales')).status?.conditions?.find((c) => c.type === 'LeavingNodes');
          expect(leaving).toMatchObject({ status: 'False' });
        }, 60_000);
        const c = await readClaim('alice');
        expect(c.status).toMatchObject({ phase: 'Bound', desktop: { name: alices } });
        expect(c.spec.user).toBe('alice');
      } finally {
        for (const stop of stops) stop();
      }
      // Her session was never restarted (one instance all along), her claim never left her desktop,
      // and she was never shown a countdown.
      expect([...uids]).toEqual([uid]);
      expect([...holders]).toEqual([`Bound:${alices}`]);
      expect(countdowns).toEqual([]);
      expect(await events('alice')).not.toContain('RestartedForMaintenance');
    },
    300_000,
  );
});
