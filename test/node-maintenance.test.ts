import { describe, expect, it } from 'vitest';
import { instancePlace } from '../src/api/instance-place.js';
import { MAINTENANCE_DEADLINE_ANNOTATION, MAINTENANCE_TAINT, nodeMaintenance } from '../src/api/node-maintenance.js';

describe('a node in maintenance', () => {
  it('is cordoned or carries the maintenance taint, and may name a deadline', () => {
    expect(nodeMaintenance({ spec: {} })).toEqual({ inMaintenance: false });
    expect(nodeMaintenance({ spec: { taints: [{ key: 'other', effect: 'NoSchedule' }] } }).inMaintenance).toBe(false);
    expect(nodeMaintenance({ spec: { unschedulable: true } })).toEqual({ inMaintenance: true, because: 'cordoned' });
    const tainted = nodeMaintenance({
      metadata: { annotations: { [MAINTENANCE_DEADLINE_ANNOTATION]: '2026-12-07T18:00:00+01:00' } },
      spec: { taints: [{ key: MAINTENANCE_TAINT, effect: 'NoSchedule' }] },
    });
    expect(tainted).toEqual({
      inMaintenance: true,
      because: `tainted ${MAINTENANCE_TAINT}`,
      deadline: new Date('2026-12-07T17:00:00Z'),
    });
    // A deadline that is not a time is ignored (the pool's notice applies).
    const bad = {
      metadata: { annotations: { [MAINTENANCE_DEADLINE_ANNOTATION]: 'tonight' } },
      spec: { unschedulable: true },
    };
    expect(nodeMaintenance(bad).deadline).toBeUndefined();
  });
});

describe('where a desktop runs and whether it can move', () => {
  it('reads the node, LiveMigratable and the last migration', () => {
    expect(instancePlace(undefined)).toEqual({
      node: undefined,
      migratable: undefined,
      migrating: false,
      migrationFailed: false,
    });
    const rwo = instancePlace({
      status: {
        nodeName: 'node-1',
        conditions: [
          {
            type: 'LiveMigratable',
            status: 'False',
            reason: 'DisksNotLiveMigratable',
            message:
              'cannot migrate VMI: PVC root is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)',
          },
        ],
      },
    });
    expect(rwo).toMatchObject({ node: 'node-1', migratable: false, migrating: false });
    expect(rwo.notMigratableBecause).toMatch(/^DisksNotLiveMigratable: cannot migrate/);
    const moving = instancePlace({
      status: {
        nodeName: 'node-1',
        conditions: [{ type: 'LiveMigratable', status: 'True' }],
        migrationState: { startTimestamp: '2026-12-07T16:00:00Z', sourceNode: 'node-1', targetNode: 'node-2' },
      },
    });
    expect(moving).toMatchObject({ migratable: true, migrating: true, migrationFailed: false });
    const failed = instancePlace({
      status: { nodeName: 'node-1', migrationState: { startTimestamp: 'x', failed: true, sourceNode: 'node-1' } },
    });
    expect(failed).toMatchObject({ migrating: false, migrationFailed: true });
    // Handed over to its target (phase Scheduled to TargetReady): KubeVirt writes the migration's uid
    // and target before the start time. Still in flight: not to be asked for again (the drain
    // benchmark saw each held desktop's migration planned four or five times, an Event each).
    const handedOver = instancePlace({
      status: {
        nodeName: 'node-1',
        migrationState: { migrationUid: 'm-1', sourceNode: 'node-1', targetNode: 'node-2' },
      },
    });
    expect(handedOver).toMatchObject({ migrating: true, migrationFailed: false });
    const done = instancePlace({
      status: { nodeName: 'node-2', migrationState: { migrationUid: 'm-1', completed: true, endTimestamp: 'y' } },
    });
    expect(done).toMatchObject({ migrating: false });
  });
});
