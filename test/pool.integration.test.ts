// Pools become desktops and stay right whatever happens: the operator as its own process, the
// KubeVirt simulator, a real API server.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CoordinationV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { HOLDER_ANNOTATION } from '../src/api/annotations.js';
import { API_VERSION } from '../src/api/index.js';
import { LABELS } from '../src/api/labels.js';
import { HOUR_MS } from '../src/api/pool-usage.js';
import { WRITE_VERBS } from '../src/runtime/metrics.js';
import { applyAs, kubeconfig, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('pool');
const apply = applyAs();
const custom = () => kubeconfig().makeApiClient(CustomObjectsApi);
const world = useWorld(namespace);

interface Vm extends KubernetesObject {
  spec: { runStrategy: string };
  status?: { ready?: boolean; printableStatus?: string };
}
interface Pool extends KubernetesObject {
  status?: Record<string, unknown> & {
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

function template(spec: Record<string, unknown> = {}) {
  return {
    apiVersion: API_VERSION,
    kind: 'VMTemplate',
    metadata: { name: 'fedora', namespace: namespace() },
    spec: {
      os: { type: 'Linux' },
      resources: { cpu: { cores: 2 }, memory: '4Gi' },
      rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
      ...spec,
    },
  };
}

function pool(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: { name, namespace: namespace() },
    spec: { templateRef: { name: 'fedora' }, ...spec },
  };
}

async function vms(pool: string): Promise<Vm[]> {
  const list = (await custom().listNamespacedCustomObject({
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachines',
    namespace: namespace(),
    labelSelector: `${LABELS.pool}=${pool}`,
  })) as { items: Vm[] };
  return list.items.sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }),
  );
}

const names = async (p: string) =>
  (await vms(p)).filter((vm) => !vm.metadata?.deletionTimestamp).map((vm) => vm.metadata?.name);

async function readPool(name: string): Promise<Pool> {
  return (await custom().getNamespacedCustomObject({
    group: 'kubevdi.io',
    version: 'v1alpha1',
    plural: 'virtualdesktoppools',
    namespace: namespace(),
    name,
  })) as Pool;
}

function condition(pool: Pool, type: string) {
  return pool.status?.conditions?.find((c) => c.type === type);
}

async function hold(vm: string, user: string | null): Promise<void> {
  await custom().patchNamespacedCustomObject(
    {
      group: 'kubevirt.io',
      version: 'v1',
      plural: 'virtualmachines',
      namespace: namespace(),
      name: vm,
      body: { metadata: { annotations: { [HOLDER_ANNOTATION]: user } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

describe('a VirtualDesktopPool', () => {
  it('reaches its size with the prestarted desktops running and ready, and says so in status', async () => {
    await world.start();
    await apply(template());
    await apply(pool('sales', { size: 10, prestarted: 3 }));
    // What a person or a pipeline types: it returns once the pool reports Available.
    const { kubectl, adminKubeconfig } = inject('cluster');
    const waited = await promisify(execFile)(kubectl, [
      ...['--kubeconfig', adminKubeconfig, '-n', namespace()],
      ...['wait', '--for=condition=Available', '--timeout=60s', 'vdp/sales'],
    ]);
    expect(waited.stdout.trim()).toBe('virtualdesktoppool.kubevdi.io/sales condition met');
    const status = await eventually(async () => {
      const p = await readPool('sales');
      expect(p.status).toMatchObject({
        desktops: 10,
        ready: 3,
        available: 3,
        assigned: 0,
        updated: 10,
        templateRevision: 1,
      });
      expect(condition(p, 'Progressing')?.reason).toBe('Complete');
      return p;
    });
    expect(status.status?.selector).toBe('kubevdi.io/pool=sales,app.kubernetes.io/managed-by=kubevdi');
    expect(status.status?.observedGeneration).toBe(status.metadata?.generation);
    expect(condition(status, 'Available')).toMatchObject({ status: 'True', reason: 'DesktopsReady' });
    expect(condition(status, 'Degraded')).toMatchObject({ status: 'False' });
    const desktops = await vms('sales');
    expect(desktops.map((vm) => vm.metadata?.name)).toEqual(Array.from({ length: 10 }, (_, i) => `sales-${i}`));
    expect(desktops.filter((vm) => vm.spec.runStrategy === 'Always').map((vm) => vm.metadata?.name)).toEqual([
      'sales-0',
      'sales-1',
      'sales-2',
    ]);
    expect(desktops.every((vm) => vm.metadata?.ownerReferences?.[0]?.name === 'sales')).toBe(true);
  });

  it('serves health and metrics, reports failing desktops, and shuts down cleanly on SIGTERM', async () => {
    const operator = await world.start();
    expect(await (await fetch(`${operator.healthUrl}/healthz`)).text()).toBe('ok\n');
    await apply(template());
    await apply(pool('sales', { size: 2, prestarted: 1 }));
    await eventually(async () => expect((await readPool('sales')).status).toMatchObject({ ready: 1 }));
    expect((await fetch(`${operator.healthUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${operator.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/^kubevdi_reconcile_total\{controller="virtualdesktoppool",result="success"\} [1-9]/m);
    expect(metrics).toMatch(/^kubevdi_reconcile_duration_seconds_count\{controller="vmtemplate"\} [1-9]/m);
    expect(metrics).toMatch(/^kubevdi_workqueue_depth\{queue="virtualdesktoppool"\} 0$/m);
    expect(metrics).toMatch(/^kubevdi_leader 1$/m);

    await custom().patchNamespacedCustomObject(
      {
        group: 'kubevirt.io',
        version: 'v1',
        plural: 'virtualmachines',
        namespace: namespace(),
        name: 'sales-1',
        body: { metadata: { annotations: { 'simulator.kubevdi.io/failure': 'CrashLoop' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await apply(pool('sales', { size: 2, prestarted: 2 })); // sales-1 now boots, and crashes
    await eventually(async () => {
      const degraded = condition(await readPool('sales'), 'Degraded');
      expect(degraded).toMatchObject({ status: 'True', reason: 'DesktopsFailing' });
      expect(degraded?.message).toBe('1 desktops are failing: sales-1 (CrashLoopBackOff)');
    });

    expect(await operator.kill('SIGTERM')).toBe('exit 0');
    const lease = await kubeconfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'kubevdi-operator', namespace: namespace() });
    expect(lease.spec?.holderIdentity ?? '').toBe(''); // handed over at once, not left to expire
  });

  it('scales 10 → 4 → 12 without ever removing a desktop a user holds', async () => {
    await world.start();
    await apply(template());
    await apply(pool('sales', { size: 10, prestarted: 2 }));
    await eventually(async () => expect(await names('sales')).toHaveLength(10));
    await hold('sales-8', 'alice');

    await apply(pool('sales', { size: 4, prestarted: 2 }));
    await eventually(async () => expect(await names('sales')).toEqual(['sales-0', 'sales-1', 'sales-2', 'sales-8']));
    await eventually(async () => expect((await readPool('sales')).status).toMatchObject({ desktops: 4, assigned: 1 }));

    await apply(pool('sales', { size: 12, prestarted: 2 }));
    await eventually(async () =>
      expect(await names('sales')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => `sales-${i}`)),
    );
  });

  it('brings a deleted desktop back under the same name', async () => {
    await world.start();
    await apply(template());
    await apply(pool('sales', { size: 3, prestarted: 1 }));
    await eventually(async () => expect((await readPool('sales')).status).toMatchObject({ desktops: 3, ready: 1 }));
    const before = (await vms('sales')).find((vm) => vm.metadata?.name === 'sales-1')?.metadata?.uid;
    await custom().deleteNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      plural: 'virtualmachines',
      namespace: namespace(),
      name: 'sales-1',
    });
    await eventually(async () => {
      const again = (await vms('sales')).find((vm) => vm.metadata?.name === 'sales-1');
      expect(again?.metadata?.uid).toBeDefined();
      expect(again?.metadata?.uid).not.toBe(before);
    });
    expect(await names('sales')).toEqual(['sales-0', 'sales-1', 'sales-2']);
  });

  it('rolls idle desktops to a new template revision and leaves held ones until they are released', async () => {
    await world.start();
    await apply(template());
    await apply(pool('sales', { size: 4, prestarted: 1 }));
    await eventually(async () =>
      expect((await readPool('sales')).status).toMatchObject({ desktops: 4, updated: 4, templateRevision: 1 }),
    );
    await hold('sales-3', 'alice');

    await apply(template({ resources: { cpu: { cores: 4 }, memory: '8Gi' } }));
    await eventually(async () => {
      expect((await readPool('sales')).status).toMatchObject({
        desktops: 4,
        updated: 3,
        assigned: 1,
        templateRevision: 2,
      });
      const revisions = Object.fromEntries(
        (await vms('sales')).map((vm) => [vm.metadata?.name, vm.metadata?.labels?.[LABELS.templateRevision]]),
      );
      expect(revisions).toEqual({ 'sales-0': '2', 'sales-1': '2', 'sales-2': '2', 'sales-3': '1' });
    }, 60_000);

    await hold('sales-3', null); // released
    await eventually(async () => {
      expect((await readPool('sales')).status).toMatchObject({ desktops: 4, updated: 4, assigned: 0 });
    }, 60_000);
  });

  it('reports a missing template as Degraded and creates nothing', async () => {
    const operator = await world.start();
    await apply(pool('orphan', { size: 5, prestarted: 1 }));
    const status = await eventually(async () => {
      const p = await readPool('orphan');
      expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'TemplateNotFound' });
      return p;
    });
    expect(condition(status, 'Degraded')?.message).toBe(
      `VMTemplate ${namespace()}/fedora does not exist; no desktops are created or changed`,
    );
    expect(await vms('orphan')).toEqual([]);
    expect(await operator.requests(['create'])).toBeGreaterThan(0); // the Event, nothing else
  });

  it('ends with exactly 50 desktops when killed while creating them and started again', async () => {
    // Short enough that the second replica need not wait long for the dead one's lease, long
    // enough that a busy two-core machine still renews in time.
    const lease = ['--lease-duration', '5s'];
    const first = await world.start(lease);
    await apply(template());
    await apply(pool('big', { size: 50 }));
    await eventually(async () => expect((await vms('big')).length).toBeGreaterThan(0), 30_000, 10);
    await first.kill('SIGKILL');
    const createdBeforeKill = (await vms('big')).length;
    await world.operator(lease);
    await eventually(async () => expect((await readPool('big')).status).toMatchObject({ desktops: 50 }), 60_000);
    expect(await names('big')).toEqual(Array.from({ length: 50 }, (_, i) => `big-${i}`));
    expect(createdBeforeKill).toBeLessThanOrEqual(50);
  });

  it('with two replicas only the leader writes, and the other takes over when it dies', async () => {
    const a = await world.start(['--lease-duration', '5s']);
    const b = await world.operator(['--lease-duration', '5s']);
    await apply(template());
    await apply(pool('ha', { size: 3 }));
    await eventually(async () => expect((await readPool('ha')).status).toMatchObject({ desktops: 3 }));
    const [writesA, writesB] = [await a.requests(WRITE_VERBS), await b.requests(WRITE_VERBS)];
    const leader = writesA > 0 ? a : b;
    const follower = leader === a ? b : a;
    expect(writesA + writesB).toBeGreaterThan(0);
    expect(await follower.requests(WRITE_VERBS)).toBe(0);
    expect(await follower.requests(['get'])).toBeGreaterThan(0); // it keeps looking at the lease

    await leader.kill('SIGKILL');
    await apply(pool('ha', { size: 5 }));
    await eventually(async () => expect((await readPool('ha')).status).toMatchObject({ desktops: 5 }), 30_000);
    expect(await follower.requests(['apply'])).toBeGreaterThan(0);
  });

  it('causes no writes while nothing changes', async () => {
    const operator = await world.start(['--leader-elect', 'false']);
    await apply(template());
    await apply(pool('quiet', { size: 5, prestarted: 2 }));
    await eventually(async () => expect(condition(await readPool('quiet'), 'Progressing')?.reason).toBe('Complete'));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last status settle
    // The one write that time alone causes: each pool's usage, once an hour ends. Not in this window.
    const toNextHour = HOUR_MS - (Date.now() % HOUR_MS);
    if (toNextHour < 10_000) await new Promise((resolve) => setTimeout(resolve, toNextHour + 2000));
    const before = await operator.requests(WRITE_VERBS);
    const allBefore = await operator.requests(['get', 'list', 'watch', ...WRITE_VERBS]);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await operator.requests(WRITE_VERBS)).toBe(before);
    expect(await operator.requests(['get', 'list', 'watch', ...WRITE_VERBS])).toBe(allBefore);
  });
});
