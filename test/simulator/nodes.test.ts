// The simulator's node and migration rules, pure: where a launcher pod may go and why not, the
// scheduler's message, LiveMigratable from access modes, what the eviction webhook decides per
// evictionStrategy, the migration webhook's refusals, and how the VMI looks at each migration phase.
import { describe, expect, it } from 'vitest';
import { evictionOutcome } from '../../local/simulator/evacuation.js';
import { liveMigratableCondition } from '../../local/simulator/migratable.js';
import { admissionRefusal, MIGRATION_TARGET_NODE_LABEL, vmiForPhase } from '../../local/simulator/migrations.js';
import {
  type Node,
  nodeLoad,
  pickNode,
  readyTaints,
  tolerates,
  unfit,
  unschedulableMessage,
} from '../../local/simulator/nodes.js';
import { printableStatus } from '../../local/simulator/status.js';
import type { Migration, VirtualMachine, VirtualMachineInstance } from '../../local/simulator/types.js';

const node = (name: string, spec: Node['spec'] = {}, labels: Record<string, string> = {}): Node => ({
  metadata: { name, namespace: '', uid: `uid-${name}`, resourceVersion: '1', labels },
  spec,
});

const vmi = (
  name: string,
  extra: {
    nodeName?: string;
    phase?: string;
    spec?: Partial<VirtualMachineInstance['spec']>;
    conditions?: object[];
  } = {},
): VirtualMachineInstance =>
  ({
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', labels: {} },
    spec: { domain: {}, ...extra.spec },
    status: { phase: extra.phase ?? 'Running', nodeName: extra.nodeName, conditions: extra.conditions ?? [] },
  }) as VirtualMachineInstance;

describe('placement', () => {
  const nodes = [node('n-1'), node('n-2'), node('n-3')];

  it('takes the node with the fewest VMIs, ties by name', () => {
    const load = nodeLoad([
      vmi('a', { nodeName: 'n-1' }),
      vmi('b', { nodeName: 'n-1' }),
      vmi('c', { nodeName: 'n-3' }),
    ]);
    expect(pickNode(nodes, vmi('new'), load)?.metadata.name).toBe('n-2');
    expect(pickNode(nodes, vmi('new'), new Map())?.metadata.name).toBe('n-1');
  });

  it('does not count final VMIs', () => {
    const load = nodeLoad([vmi('a', { nodeName: 'n-1', phase: 'Succeeded' }), vmi('b', { nodeName: 'n-2' })]);
    expect(load.get('n-1')).toBeUndefined();
    expect(pickNode(nodes, vmi('new'), load)?.metadata.name).toBe('n-1');
  });

  it('skips cordoned nodes, untolerated NoSchedule/NoExecute taints, other selectors and the excluded node', () => {
    const mixed = [
      node('a', { unschedulable: true }),
      node('b', { taints: [{ key: 'kubevirt.io/drain', effect: 'NoSchedule' }] }),
      node('c', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }, { zone: 'z1' }),
      node('d', {}, { zone: 'z2' }),
    ];
    expect(unfit(mixed[0] as Node, vmi('v'))).toBe('unschedulable');
    expect(unfit(mixed[1] as Node, vmi('v'))).toEqual({ taint: { key: 'kubevirt.io/drain', effect: 'NoSchedule' } });
    expect(unfit(mixed[2] as Node, vmi('v'))).toBeUndefined();
    expect(pickNode(mixed, vmi('v', { spec: { nodeSelector: { zone: 'z2' } } }), new Map())?.metadata.name).toBe('d');
    expect(pickNode(mixed, vmi('v'), new Map(), 'c')?.metadata.name).toBe('d');
    expect(pickNode(mixed, vmi('v'), new Map(), undefined, { zone: 'z9' })).toBeUndefined();
  });

  it('honours tolerations as the scheduler does', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(tolerates([{ key: 'k', operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: 'k', value: 'v', effect: 'NoSchedule' }], taint)).toBe(true);
    expect(tolerates([{ key: 'k', value: 'w' }], taint)).toBe(false);
    expect(tolerates([{ key: 'k', operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
    const tolerant = vmi('v', { spec: { tolerations: [{ key: 'k', operator: 'Exists' }] } });
    expect(unfit(node('t', { taints: [taint] }), tolerant)).toBeUndefined();
  });

  it('takes the API server’s not-ready taint off a Ready node, as the node lifecycle controller', () => {
    const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
    const drain = { key: 'kubevirt.io/drain', effect: 'NoSchedule' };
    const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
    expect(readyTaints({ ...node('a', { taints: [notReady, drain] }), status: ready })).toEqual([drain]);
    expect(readyTaints({ ...node('a', { taints: [drain] }), status: ready })).toBeUndefined();
    expect(readyTaints(node('a', { taints: [notReady] }))).toBeUndefined();
  });

  it('says why nothing fits, in the scheduler’s words', () => {
    const message = unschedulableMessage(
      [
        node('a', { unschedulable: true }),
        node('b', { unschedulable: true }),
        node('c', { taints: [{ key: 'simulator.kubevdi.io/drain', effect: 'NoSchedule' }] }),
      ],
      vmi('v'),
    );
    expect(message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {simulator.kubevdi.io/drain: }, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });
});

describe('LiveMigratable', () => {
  const withVolumes = (volumes: object[]) => vmi('v', { spec: { volumes } as never });
  const modes: Record<string, string[]> = { rwx: ['ReadWriteMany'], rwo: ['ReadWriteOnce'] };
  const of = (claim: string) => modes[claim];

  it('is True with shared (ReadWriteMany) claims and container disks', () => {
    const c = liveMigratableCondition(
      withVolumes([
        { name: 'root', dataVolume: { name: 'rwx' } },
        { name: 'cd', containerDisk: { image: 'x' } },
      ]),
      of,
    );
    expect(c).toMatchObject({ type: 'LiveMigratable', status: 'True' });
  });

  it('is False with DisksNotLiveMigratable for a ReadWriteOnce claim, with virt-handler’s message', () => {
    const c = liveMigratableCondition(
      withVolumes([
        { name: 'root', dataVolume: { name: 'rwx' } },
        { name: 'home', persistentVolumeClaim: { claimName: 'rwo' } },
      ]),
      of,
    );
    expect(c).toMatchObject({
      status: 'False',
      reason: 'DisksNotLiveMigratable',
      message:
        'cannot migrate VMI: PVC rwo is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)',
    });
  });

  it('is False when the claim is unknown', () => {
    const c = liveMigratableCondition(withVolumes([{ name: 'x', persistentVolumeClaim: { claimName: 'gone' } }]), of);
    expect(c.message).toMatch(/^cannot migrate VMI: Unable to determine if PVC gone is shared/);
  });
});

describe('eviction (virt-api’s pod-eviction webhook)', () => {
  const migratable = [{ type: 'LiveMigratable', status: 'True' }];
  const pinned = [{ type: 'LiveMigratable', status: 'False', reason: 'DisksNotLiveMigratable' }];
  const with_ = (evictionStrategy: string | undefined, conditions: object[]) =>
    vmi('v', { spec: evictionStrategy ? { evictionStrategy } : {}, conditions });

  it.each([
    ['LiveMigrate', migratable, 'migrate'],
    ['LiveMigrate', pinned, 'refuse'],
    ['LiveMigrateIfPossible', migratable, 'migrate'],
    ['LiveMigrateIfPossible', pinned, 'evict'],
    ['External', pinned, 'mark'],
    ['None', migratable, 'evict'],
    [undefined, migratable, 'evict'],
  ])('%s with %j: %s', (strategy, conditions, outcome) => {
    expect(evictionOutcome(with_(strategy, conditions))).toBe(outcome);
  });
});

describe('migrations', () => {
  const migration: Migration = {
    metadata: { name: 'kubevirt-migrate-vm-abcde', namespace: 'ns', uid: 'mig-uid-1', resourceVersion: '1' },
    spec: { vmiName: 'v' },
  };

  it('refuses what the migration webhook refuses', () => {
    expect(admissionRefusal(undefined, 'ns', 'v', [])).toBe('the VMI "ns/v" does not exist');
    expect(admissionRefusal(vmi('v', { phase: 'Succeeded' }), 'ns', 'v', [])).toBe(
      'Cannot migrate VMI in finalized state.',
    );
    const pinned = vmi('v', {
      conditions: [{ type: 'LiveMigratable', status: 'False', reason: 'DisksNotLiveMigratable', message: 'm' }],
    });
    expect(admissionRefusal(pinned, 'ns', 'v', [])).toBe(
      'Cannot migrate VMI, Reason: DisksNotLiveMigratable, Message: m',
    );
    expect(admissionRefusal(vmi('v'), 'ns', 'v', [migration])).toBe(
      'in-flight migration detected. Active migration job (mig-uid-1) is currently already in progress for VMI v.',
    );
    expect(
      admissionRefusal(vmi('v', { conditions: [{ type: 'LiveMigratable', status: 'True' }] }), 'ns', 'v', []),
    ).toBe(undefined);
  });

  it('shows the migration on the VMI phase by phase, and moves it on success', () => {
    const source = vmi('v', { nodeName: 'n-1' });
    source.metadata.labels = { 'kubevirt.io/nodeName': 'n-1' };
    expect(vmiForPhase(source, migration, 'Scheduling', 'n-2', 0)).toBe(source);
    const scheduled = vmiForPhase(source, migration, 'Scheduled', 'n-2', 0);
    expect(scheduled.status?.migrationState).toMatchObject({
      sourceNode: 'n-1',
      targetNode: 'n-2',
      migrationUid: 'mig-uid-1',
    });
    expect(scheduled.metadata.labels?.[MIGRATION_TARGET_NODE_LABEL]).toBe('n-2');
    expect(scheduled.status?.nodeName).toBe('n-1');
    const running = vmiForPhase(scheduled, migration, 'Running', 'n-2', 1000);
    expect(running.status?.migrationState).toMatchObject({
      startTimestamp: '1970-01-01T00:00:01.000Z',
      mode: 'PreCopy',
    });
    const done = vmiForPhase(running, migration, 'Succeeded', 'n-2', 2000);
    expect(done.status?.nodeName).toBe('n-2');
    expect(done.metadata.labels).toEqual({ 'kubevirt.io/nodeName': 'n-2' });
    expect(done.status?.migrationState).toMatchObject({
      sourceNode: 'n-1',
      targetNode: 'n-2',
      completed: true,
      endTimestamp: '1970-01-01T00:00:02.000Z',
      startTimestamp: '1970-01-01T00:00:01.000Z',
    });
    // Level-triggered: the same phase again changes nothing.
    expect(vmiForPhase(done, migration, 'Succeeded', 'n-2', 5000)).toEqual(done);
  });

  it('leaves the VMI on its node when the migration fails', () => {
    const scheduled = vmiForPhase(vmi('v', { nodeName: 'n-1' }), migration, 'Scheduled', 'n-2', 0);
    const failed = vmiForPhase(scheduled, migration, 'Failed', 'n-2', 10);
    expect(failed.status?.nodeName).toBe('n-1');
    expect(failed.status?.migrationState).toMatchObject({ failed: true, targetNode: 'n-2' });
    expect(failed.metadata.labels?.[MIGRATION_TARGET_NODE_LABEL]).toBeUndefined();
  });
});

describe('printableStatus while migrating', () => {
  const vm = { metadata: { name: 'v' }, spec: { runStrategy: 'Always' } } as unknown as VirtualMachine;
  const facts = {
    runStrategy: 'Always',
    startExpected: false,
    stopExpected: false,
    dataVolumeError: false,
    dataVolumeProvisioning: false,
  };
  const at = (migrationState: object | undefined) => {
    const v = vmi('v', { nodeName: 'n-1' });
    if (migrationState) (v.status as Record<string, unknown>).migrationState = migrationState;
    return printableStatus(vm, v, {}, facts);
  };

  it('is Migrating between the migration’s start and end, Running otherwise', () => {
    expect(at(undefined)).toBe('Running');
    expect(at({ targetNode: 'n-2' })).toBe('Running');
    expect(at({ startTimestamp: '2026-01-01T00:00:00Z' })).toBe('Migrating');
    expect(at({ startTimestamp: '2026-01-01T00:00:00Z', endTimestamp: '2026-01-01T00:00:01Z' })).toBe('Running');
  });
});
