// The simulator's nodes and live migration against the real API server: VMIs spread over simulated
// Node objects, a cordoned node gets nothing new, nowhere to go leaves a VMI Scheduling and the VM
// ErrorUnschedulable, LiveMigratable follows the PVC's access modes, a VirtualMachineInstanceMigration
// goes through KubeVirt's phases and moves the VMI, a non-migratable VMI is refused (subresource) or
// its migration fails, and draining a node migrates, stops or leaves each VMI as KubeVirt would.
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { NODE_GROUP_LABEL, SIMULATED_DRAIN_TAINT } from '../local/simulator/nodes.js';
import { type Simulator, startSimulator } from '../local/simulator/start.js';
import { applyAs, kubeconfig, kubeconfigFile, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { apiRequest } from './support/guest.js';

const namespace = useTestNamespace('simn');
// Nodes are cluster-scoped: this file's own group, so no other test's simulator places VMIs here.
const GROUP = `simn-${process.pid}`;
const NODES = [`${GROUP}-1`, `${GROUP}-2`, `${GROUP}-3`];
const MIGRATION_DELAY_MS = 1200;

// biome-ignore lint/suspicious/noExplicitAny: API objects are inspected field by field in assertions
type Obj = any;

const kv = { group: 'kubevirt.io', version: 'v1' };
const custom = () => kubeconfig().makeApiClient(CustomObjectsApi);
const core = () => kubeconfig().makeApiClient(CoreV1Api);
const WAIT = 30_000;

let sim: Simulator | undefined;

beforeAll(async () => {
  sim = await startSimulator({
    kubeconfig: inject('cluster').adminKubeconfig,
    namespacePrefix: `simn-${process.pid}-`,
    bootDelayMs: 200,
    stopDelayMs: 100,
    cloneDelayMs: 100,
    crashLoopBackoffMs: 200,
    nodes: NODES.length,
    nodeGroup: GROUP,
    migrationDelayMs: MIGRATION_DELAY_MS,
    migrationUnschedulableTimeoutMs: 3000,
    finalizers: false,
  });
});

afterAll(async () => {
  await sim?.stop();
  await core().deleteCollectionNode({ labelSelector: `${NODE_GROUP_LABEL}=${GROUP}` });
});

afterEach(async (context) => {
  try {
    await Promise.all(NODES.map((n) => setNode(n, { unschedulable: false, taints: [] })));
    for (const plural of ['virtualmachines', 'virtualmachineinstancemigrations']) {
      await custom()
        .deleteCollectionNamespacedCustomObject({ ...kv, namespace: namespace(), plural })
        .catch(() => undefined);
    }
    await eventually(async () => expect(await list('virtualmachineinstances')).toEqual([]), WAIT);
  } finally {
    if (context.task.result?.state === 'fail') {
      const lines = sim?.logs().filter((l) => l.includes(`${namespace()}/`) || l.includes(GROUP));
      console.error(`simulator log:\n${lines?.join('\n')}`);
    }
  }
});

// --- helpers ---

const apply = (obj: object) => applyAs()(obj as KubernetesObject) as Promise<Obj>;

async function list(plural: string): Promise<Obj[]> {
  return ((await custom().listNamespacedCustomObject({ ...kv, namespace: namespace(), plural })) as Obj).items;
}

async function get(plural: string, name: string): Promise<Obj | undefined> {
  return custom()
    .getNamespacedCustomObject({ ...kv, namespace: namespace(), plural, name })
    .catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
}

/** Cordons/uncordons and sets the taints of one of this file's nodes. */
async function setNode(name: string, spec: { unschedulable?: boolean; taints?: object[] }): Promise<void> {
  await core().patchNode({ name, body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

/** A desktop VM (the containerDisk example's shape), optionally with a PVC of the given access mode. */
function desktop(name: string, opts: { evictionStrategy?: string; claim?: string; nodeSelector?: object } = {}) {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: namespace() },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          evictionStrategy: opts.evictionStrategy ?? 'LiveMigrateIfPossible',
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
          domain: {
            memory: { guest: '1Gi' },
            devices: {
              disks: [{ name: 'root', disk: { bus: 'virtio' } }],
              interfaces: [{ name: 'default', masquerade: {} }],
            },
          },
          networks: [{ name: 'default', pod: {} }],
          volumes: [
            { name: 'root', containerDisk: { image: 'quay.io/containerdisks/fedora:latest' } },
            ...(opts.claim ? [{ name: 'home', persistentVolumeClaim: { claimName: opts.claim } }] : []),
          ],
        },
      },
    },
  };
}

async function claim(name: string, accessMode: 'ReadWriteOnce' | 'ReadWriteMany'): Promise<void> {
  await apply({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: namespace() },
    spec: { accessModes: [accessMode], resources: { requests: { storage: '1Gi' } } },
  });
}

async function running(name: string, notUid?: string): Promise<Obj> {
  return eventually(
    async () => {
      const vmi = await get('virtualmachineinstances', name);
      expect(vmi?.status?.phase).toBe('Running');
      if (notUid) expect(vmi.metadata.uid).not.toBe(notUid);
      return vmi;
    },
    WAIT,
    50,
  );
}

const condition = (obj: Obj, type: string) => obj?.status?.conditions?.find((c: Obj) => c.type === type);

/** Records the phases each migration of the namespace goes through, as a watch sees them. */
async function migrationPhases() {
  const phases = new Map<string, string[]>();
  const watch = await new Watch(kubeconfig()).watch(
    `/apis/kubevirt.io/v1/namespaces/${namespace()}/virtualmachineinstancemigrations`,
    {},
    (_type, obj: Obj) => {
      const seen = phases.get(obj.metadata.name) ?? [];
      const phase = obj.status?.phase;
      if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
      phases.set(obj.metadata.name, seen);
    },
    () => undefined,
  );
  return { of: (name: string) => phases.get(name) ?? [], stop: () => watch.abort() };
}

async function migrationWhen(name: string, phase: string): Promise<Obj> {
  return eventually(
    async () => {
      const m = await get('virtualmachineinstancemigrations', name);
      expect(m?.status?.phase).toBe(phase);
      return m;
    },
    WAIT,
    50,
  );
}

const KUBEVIRT_PHASES = [
  'Pending',
  'Scheduling',
  'Scheduled',
  'PreparingTarget',
  'TargetReady',
  'Running',
  'Succeeded',
];

// --- tests ---

describe('simulated nodes', () => {
  it('creates Ready Node objects and spreads VMIs over them, labelled with their node', async () => {
    const nodes = await core().listNode({ labelSelector: `${NODE_GROUP_LABEL}=${GROUP}` });
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(NODES);
    expect(nodes.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(
      true,
    );
    // The API server taints new nodes not-ready; the simulator, as the node lifecycle controller, takes it off.
    await eventually(async () => {
      const again = await core().listNode({ labelSelector: `${NODE_GROUP_LABEL}=${GROUP}` });
      expect(again.items.flatMap((n) => n.spec?.taints ?? [])).toEqual([]);
    }, WAIT);

    await Promise.all(['d-0', 'd-1', 'd-2'].map((n) => apply(desktop(n))));
    const vmis = await Promise.all(['d-0', 'd-1', 'd-2'].map((n) => running(n)));
    expect(vmis.map((v) => v.status.nodeName).sort()).toEqual(NODES);
    for (const vmi of vmis) {
      expect(vmi.metadata.labels['kubevirt.io/nodeName']).toBe(vmi.status.nodeName);
      expect(Object.values(vmi.status.activePods)).toEqual([vmi.status.nodeName]);
    }
  });

  it('puts nothing on a cordoned node; with nowhere to go the VMI waits Scheduling, the VM is ErrorUnschedulable', async () => {
    await setNode(NODES[0] as string, { unschedulable: true });
    await setNode(NODES[1] as string, { taints: [{ key: 'kubevirt.io/drain', effect: 'NoSchedule' }] });
    await apply(desktop('d-0'));
    expect((await running('d-0')).status.nodeName).toBe(NODES[2]);

    await setNode(NODES[2] as string, { unschedulable: true });
    await apply(desktop('d-1'));
    const waiting = await eventually(
      async () => {
        const vmi = await get('virtualmachineinstances', 'd-1');
        expect(condition(vmi, 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
        return vmi;
      },
      WAIT,
      50,
    );
    expect(waiting.status.phase).toBe('Scheduling');
    expect(condition(waiting, 'PodScheduled').message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {kubevirt.io/drain: }, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    await eventually(
      async () => expect((await get('virtualmachines', 'd-1'))?.status?.printableStatus).toBe('ErrorUnschedulable'),
      WAIT,
    );

    // Uncordoning a node lets it go there at once.
    await setNode(NODES[0] as string, { unschedulable: false });
    const placed = await running('d-1');
    expect(placed.status.nodeName).toBe(NODES[0]);
    expect(condition(placed, 'PodScheduled')).toBeUndefined();
  });

  it('LiveMigratable follows the PVC’s access modes: False DisksNotLiveMigratable for ReadWriteOnce', async () => {
    await Promise.all([claim('home-rwo', 'ReadWriteOnce'), claim('home-rwx', 'ReadWriteMany')]);
    await Promise.all([
      apply(desktop('pinned', { claim: 'home-rwo' })),
      apply(desktop('shared', { claim: 'home-rwx' })),
    ]);
    const [pinned, shared] = await Promise.all([running('pinned'), running('shared')]);
    expect(condition(pinned, 'LiveMigratable')).toMatchObject({
      status: 'False',
      reason: 'DisksNotLiveMigratable',
      message:
        'cannot migrate VMI: PVC home-rwo is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)',
    });
    expect(condition(shared, 'LiveMigratable')).toMatchObject({ status: 'True' });
    // The VM shows it too (copied from the VMI).
    await eventually(
      async () =>
        expect(condition(await get('virtualmachines', 'pinned'), 'LiveMigratable')).toMatchObject({ status: 'False' }),
      WAIT,
    );
  });

  it('a migration goes through KubeVirt’s phases and moves the VMI to another node; the VM shows Migrating', async () => {
    await apply(desktop('d-0'));
    const before = await running('d-0');
    const phases = await migrationPhases();
    const vmStatuses: string[] = [];
    const vmWatch = await new Watch(kubeconfig()).watch(
      `/apis/kubevirt.io/v1/namespaces/${namespace()}/virtualmachines`,
      {},
      (_t, vm: Obj) => {
        const s = vm.status?.printableStatus;
        if (s && vmStatuses[vmStatuses.length - 1] !== s) vmStatuses.push(s);
      },
      () => undefined,
    );
    try {
      const started = Date.now();
      await apply({
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachineInstanceMigration',
        metadata: { name: 'move-d-0', namespace: namespace() },
        spec: { vmiName: 'd-0' },
      });
      const done = await migrationWhen('move-d-0', 'Succeeded');
      const took = Date.now() - started;
      await eventually(() => expect(phases.of('move-d-0')).toEqual(KUBEVIRT_PHASES), 3000);
      expect(took).toBeGreaterThanOrEqual(MIGRATION_DELAY_MS * 0.8);
      expect(done.metadata.labels['kubevirt.io/vmi-name']).toBe('d-0');
      expect(done.metadata.finalizers ?? []).toEqual([]);

      const after = await get('virtualmachineinstances', 'd-0');
      expect(after.metadata.uid).toBe(before.metadata.uid); // the same VMI: live, not restarted
      expect(after.status.nodeName).not.toBe(before.status.nodeName);
      expect(NODES).toContain(after.status.nodeName);
      expect(after.metadata.labels['kubevirt.io/nodeName']).toBe(after.status.nodeName);
      expect(after.metadata.labels['kubevirt.io/migrationTargetNodeName']).toBeUndefined();
      expect(after.status.migrationState).toMatchObject({
        sourceNode: before.status.nodeName,
        targetNode: after.status.nodeName,
        completed: true,
        migrationUid: done.metadata.uid,
      });
      expect(done.status.migrationState).toMatchObject({ sourceNode: before.status.nodeName, completed: true });
      await eventually(() => expect(vmStatuses).toEqual(expect.arrayContaining(['Running', 'Migrating'])), 3000);
      expect(vmStatuses.slice(vmStatuses.indexOf('Migrating'))).toEqual(['Migrating', 'Running']);
    } finally {
      phases.stop();
      vmWatch.abort();
    }
  });

  it('the migrate subresource creates a migration; it refuses a VMI on a ReadWriteOnce disk, as KubeVirt’s webhook', async () => {
    await claim('home-rwo', 'ReadWriteOnce');
    await Promise.all([apply(desktop('d-0')), apply(desktop('pinned', { claim: 'home-rwo' }))]);
    const [before] = await Promise.all([running('d-0'), running('pinned')]);
    const path = (vm: string) =>
      `/apis/subresources.kubevirt.io/v1/namespaces/${namespace()}/virtualmachines/${vm}/migrate`;

    const accepted = await apiRequest(kubeconfigFile(), 'PUT', path('d-0'), {});
    expect(accepted.status).toBe(202);
    const [created] = await eventually(async () => {
      const ms = await list('virtualmachineinstancemigrations');
      expect(ms).toHaveLength(1);
      return ms;
    }, WAIT);
    expect(created.metadata.name).toMatch(/^kubevirt-migrate-vm-/);
    await migrationWhen(created.metadata.name, 'Succeeded');
    expect((await get('virtualmachineinstances', 'd-0')).status.nodeName).not.toBe(before.status.nodeName);

    const refused = await apiRequest(kubeconfigFile(), 'PUT', path('pinned'), {});
    expect(refused.status).toBe(500);
    expect((refused.body as Obj).message).toBe(
      'Internal error occurred: admission webhook "migration-create-validator.kubevirt.io" denied the request: Cannot migrate VMI, Reason: DisksNotLiveMigratable, Message: cannot migrate VMI: PVC home-rwo is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)',
    );
    expect(await apiRequest(kubeconfigFile(), 'PUT', path('nothing'), {})).toMatchObject({ status: 404 });

    // Created directly (no webhook here), the migration fails with the webhook's reason; the VMI stays.
    await apply({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstanceMigration',
      metadata: { name: 'move-pinned', namespace: namespace() },
      spec: { vmiName: 'pinned' },
    });
    const failed = await migrationWhen('move-pinned', 'Failed');
    expect(failed.status.migrationState.failureReason).toMatch(/^Cannot migrate VMI, Reason: DisksNotLiveMigratable/);
    const pinned = await get('virtualmachineinstances', 'pinned');
    expect(pinned.status.phase).toBe('Running');
    expect(pinned.status.migrationState).toBeUndefined();
  });

  it('a migration with no other schedulable node waits in Scheduling, then fails; the VMI stays', async () => {
    await apply(desktop('d-0'));
    const vmi = await running('d-0');
    await Promise.all(NODES.filter((n) => n !== vmi.status.nodeName).map((n) => setNode(n, { unschedulable: true })));
    await apply({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstanceMigration',
      metadata: { name: 'nowhere', namespace: namespace() },
      spec: { vmiName: 'd-0' },
    });
    await migrationWhen('nowhere', 'Scheduling');
    const failed = await migrationWhen('nowhere', 'Failed');
    expect(failed.status.migrationState.failureReason).toBe(
      `Migration target pod for VMI [${namespace()}/d-0] is currently unschedulable.`,
    );
    expect((await get('virtualmachineinstances', 'd-0')).status.nodeName).toBe(vmi.status.nodeName);
  });

  it('draining a node (simulated kubectl drain) migrates what can migrate, stops LiveMigrateIfPossible on RWO, leaves LiveMigrate on RWO', async () => {
    const [drained, ...others] = NODES as [string, ...string[]];
    await Promise.all(others.map((n) => setNode(n, { unschedulable: true })));
    await claim('home-rwo', 'ReadWriteOnce');
    await Promise.all([
      apply(desktop('free', { evictionStrategy: 'LiveMigrateIfPossible' })),
      apply(desktop('held-rwo', { evictionStrategy: 'LiveMigrateIfPossible', claim: 'home-rwo' })),
      apply(desktop('strict-rwo', { evictionStrategy: 'LiveMigrate', claim: 'home-rwo' })),
      apply(desktop('none', { evictionStrategy: 'None' })),
    ]);
    const before = Object.fromEntries(
      await Promise.all(['free', 'held-rwo', 'strict-rwo', 'none'].map(async (n) => [n, await running(n)] as const)),
    );
    for (const vmi of Object.values(before)) expect(vmi.status.nodeName).toBe(drained);

    // kubectl drain: cordon, then evict every launcher pod.
    await Promise.all(others.map((n) => setNode(n, { unschedulable: false })));
    await setNode(drained, { unschedulable: true, taints: [{ key: SIMULATED_DRAIN_TAINT, effect: 'NoSchedule' }] });

    // Migratable: marked for evacuation, migrated live by a kubevirt-evacuation-* migration.
    const free = await eventually(
      async () => {
        const vmi = await get('virtualmachineinstances', 'free');
        expect(vmi.status.nodeName).not.toBe(drained);
        return vmi;
      },
      WAIT,
      50,
    );
    expect(free.metadata.uid).toBe(before.free.metadata.uid);
    expect(free.status.evacuationNodeName).toBe(drained);
    const migrations = await list('virtualmachineinstancemigrations');
    expect(migrations.map((m) => [m.metadata.name.replace(/-[a-z0-9]+$/, ''), m.spec.vmiName])).toEqual([
      ['kubevirt-evacuation', 'free'],
    ]);
    expect(migrations[0].metadata.annotations['kubevirt.io/evacuationMigration']).toBe(drained);

    // Not migratable but allowed to be evicted: shut down, and started again elsewhere (runStrategy Always).
    for (const name of ['held-rwo', 'none']) {
      const again = await running(name, before[name].metadata.uid);
      expect(again.status.nodeName).not.toBe(drained);
    }
    // LiveMigrate on a ReadWriteOnce disk: the eviction is refused and the VMI stays (a real drain hangs).
    const strict = await get('virtualmachineinstances', 'strict-rwo');
    expect(strict.metadata.uid).toBe(before['strict-rwo'].metadata.uid);
    expect(strict.status).toMatchObject({ phase: 'Running', nodeName: drained });
    expect(sim?.logs().some((l) => l.includes(`eviction of ${namespace()}/strict-rwo refused`))).toBe(true);
  });

  it('KubeVirt’s own drain taint (kubevirt.io/drain) migrates the VMIs that migrate on eviction, nothing else', async () => {
    const [tainted, ...others] = NODES as [string, ...string[]];
    await Promise.all(others.map((n) => setNode(n, { unschedulable: true })));
    await Promise.all([
      apply(desktop('mig', { evictionStrategy: 'LiveMigrate' })),
      apply(desktop('stay', { evictionStrategy: 'None' })),
    ]);
    const [mig, stay] = await Promise.all([running('mig'), running('stay')]);
    expect([mig.status.nodeName, stay.status.nodeName]).toEqual([tainted, tainted]);
    await Promise.all(others.map((n) => setNode(n, { unschedulable: false })));
    await setNode(tainted, { taints: [{ key: 'kubevirt.io/drain', effect: 'NoSchedule' }] });

    await eventually(
      async () => expect((await get('virtualmachineinstances', 'mig')).status.nodeName).not.toBe(tainted),
      WAIT,
      50,
    );
    const after = await get('virtualmachineinstances', 'stay');
    expect(after.metadata.uid).toBe(stay.metadata.uid);
    expect(after.status.nodeName).toBe(tainted);
  });
});
