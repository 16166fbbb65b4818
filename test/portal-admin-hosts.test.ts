// The Hosts view's maintenance, apart from I/O: what is left to move off a node in maintenance and
// who still works there (from instances and claims), the patch that ends maintenance, the words.
import { describe, expect, it } from 'vitest';
import { hostMaintenance, type PlacedInstance } from '../src/portal/admin/host-maintenance.js';
import { endMaintenancePatch } from '../src/portal/admin/node-maintenance.js';
import { hostRows } from '../src/portal/admin/summary.js';
import type { ClaimObject } from '../src/portal/kube-objects.js';
import { deadlineWords, howItLeaves, leftToMove, localInputValue } from '../src/portal/web/admin/maintenance-text.js';
import type { TimeFormat } from '../src/portal/web/words.js';

const utc: TimeFormat = { clock: (d) => d.toISOString().slice(11, 16), day: (d) => d.toISOString().slice(0, 10) };
const now = new Date('2026-12-07T17:00:00Z');

const vmi = (name: string, node: string, extra: Partial<NonNullable<PlacedInstance['status']>> = {}, pool = 'sales') =>
  ({
    metadata: { name, namespace: 'ns', labels: { 'kubevdi.io/pool': pool } },
    status: { nodeName: node, ...extra },
  }) as PlacedInstance;
const claim = (user: string, desktop: string, status: object = {}) =>
  ({
    metadata: { name: `${user}-claim`, namespace: 'ns' },
    spec: { user, poolRef: { name: 'sales' } },
    status: { phase: 'Bound', desktop: { name: desktop }, ...status },
  }) as ClaimObject;
const countdown = (deadline: string) => ({
  pendingAction: { action: 'Restart', reason: 'Maintenance', deadline, message: 'node in maintenance' },
});

const cordoned = {
  metadata: { name: 'node-a', annotations: { 'kubevdi.io/maintenance-deadline': '2026-12-07T18:00:00Z' } },
  spec: { unschedulable: true },
};

describe('a node in maintenance, in the Hosts view', () => {
  const vmis = [
    vmi('free-1', 'node-a'),
    vmi('free-2', 'node-a'),
    vmi('gone', 'node-a'),
    vmi('alices', 'node-a'),
    vmi('bobs', 'node-a', { migrationState: { startTimestamp: '2026-12-07T16:59:00Z', sourceNode: 'node-a' } }),
    vmi('carols', 'node-a'),
    vmi('elsewhere', 'node-b'),
    // Not a kubevdi desktop: not kubevdi's to move.
    { metadata: { name: 'other-vm', namespace: 'ns' }, status: { nodeName: 'node-a' } } as PlacedInstance,
  ];
  (vmis[2] as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp = '2026-12-07T16:59:00Z';
  const claims = [
    claim('alice', 'alices', countdown('2026-12-07T18:00:00Z')),
    claim('bob', 'bobs'),
    claim('carol', 'carols'),
    claim('dave', 'elsewhere'),
    claim('erin', 'free-2', { phase: 'Released' }),
  ];

  it('says why and until when, what is left to move and who still works there', () => {
    expect(hostMaintenance(cordoned, vmis, claims)).toEqual({
      because: 'cordoned',
      deadline: '2026-12-07T18:00:00.000Z',
      left: { free: 2, migrating: 1, countdown: 1, other: 1 },
      working: [
        {
          namespace: 'ns',
          person: 'alice',
          desktop: 'alices',
          pool: 'sales',
          leaves: 'countdown',
          restartAt: '2026-12-07T18:00:00Z',
        },
        { namespace: 'ns', person: 'bob', desktop: 'bobs', pool: 'sales', leaves: 'migrating' },
        { namespace: 'ns', person: 'carol', desktop: 'carols', pool: 'sales', leaves: 'other' },
      ],
    });
  });

  it('is nothing for a node that is not in maintenance; a maintenance taint is maintenance', () => {
    expect(hostMaintenance({ metadata: { name: 'node-a' }, spec: {} }, vmis, claims)).toBeUndefined();
    const tainted = {
      metadata: { name: 'node-b' },
      spec: { taints: [{ key: 'kubevdi.io/maintenance', effect: 'NoSchedule' }] },
    };
    expect(hostMaintenance(tainted, vmis, claims)).toMatchObject({
      because: 'tainted kubevdi.io/maintenance',
      left: { free: 0, migrating: 0, countdown: 0, other: 1 },
      working: [{ person: 'dave', leaves: 'other' }],
    });
    const rows = hostRows([{ ...cordoned, status: { conditions: [{ type: 'Ready', status: 'True' }] } }], vmis, claims);
    expect(rows[0]).toMatchObject({ name: 'node-a', ready: true, desktops: 7, maintenance: { because: 'cordoned' } });
  });

  it('ends maintenance by removing the cordon, the deadline and kubevdi’s taint only, against the node as read', () => {
    const node = {
      metadata: { resourceVersion: '42' },
      spec: {
        taints: [
          { key: 'kubevdi.io/maintenance', effect: 'NoSchedule' },
          { key: 'dedicated', effect: 'NoSchedule' },
        ],
      },
    };
    expect(endMaintenancePatch(node)).toEqual({
      metadata: { resourceVersion: '42', annotations: { 'kubevdi.io/maintenance-deadline': null } },
      spec: { unschedulable: null, taints: [{ key: 'dedicated', effect: 'NoSchedule' }] },
    });
    // Without kubevdi's taint, the node's taints are left alone.
    expect(endMaintenancePatch({ metadata: { resourceVersion: '7' }, spec: {} })).toEqual({
      metadata: { resourceVersion: '7', annotations: { 'kubevdi.io/maintenance-deadline': null } },
      spec: { unschedulable: null },
    });
  });

  it('says it in words', () => {
    const m = hostMaintenance(cordoned, vmis, claims);
    if (!m) throw new Error('in maintenance');
    expect(leftToMove(m.left)).toBe(
      'Left to move: 2 free desktops, 1 held desktop migrating, 1 held desktop waiting for its restart, 1 held desktop not on its way yet.',
    );
    expect(leftToMove({ free: 0, migrating: 0, countdown: 0, other: 0 })).toBe(
      'Nothing left to move: no desktop runs there.',
    );
    expect(deadlineWords(m, now, utc)).toBe('Desktops that cannot migrate restart at 18:00.');
    expect(deadlineWords({ ...m, deadline: undefined }, now, utc)).toContain("each pool's notice");
    expect(m.working.map((w) => howItLeaves(w, now, utc))).toEqual([
      'Restarts at 18:00 (they see a countdown)',
      'Migrating live now',
      'Not on its way yet (free desktops leave first)',
    ]);
    expect(localInputValue(new Date(2026, 11, 7, 9, 5))).toBe('2026-12-07T09:05');
  });
});
