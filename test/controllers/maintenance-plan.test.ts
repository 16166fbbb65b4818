import { describe, expect, it } from 'vitest';
import { type DesktopPlace, type MaintenanceInput, planMaintenance } from '../../src/controllers/maintenance-plan.js';

const now = new Date('2026-12-07T16:00:00Z');
const desktop = (name: string, node: string | undefined, over: Partial<DesktopPlace> = {}): DesktopPlace => ({
  name,
  node,
  held: false,
  persistent: false,
  migratable: false,
  migrating: false,
  migrationFailed: false,
  ready: true,
  running: true,
  leaving: false,
  ...over,
});
const input = (desktops: DesktopPlace[], over: Partial<MaintenanceInput> = {}): MaintenanceInput => ({
  nodes: new Map([['node-1', { name: 'node-1' }]]),
  desktops,
  budget: 2,
  noticeMinutes: 60,
  now,
  ...over,
});

describe('the maintenance plan of a pool', () => {
  it('does nothing while no node is in maintenance', () => {
    const plan = planMaintenance(input([desktop('d-0', 'node-1')], { nodes: new Map() }));
    expect(plan).toEqual({ steps: [], unbindable: new Set(), progress: [], waiting: 0 });
  });

  it('moves free desktops first, no more at once than the budget, each the way its disk allows', () => {
    const plan = planMaintenance(
      input([
        desktop('d-0', 'node-1'),
        desktop('d-1', 'node-1', { persistent: true, migratable: true }),
        desktop('d-2', 'node-1', { persistent: true }),
        desktop('d-3', 'node-2'),
        desktop('d-4', 'node-1', { held: true, holder: 'alice', migratable: true }),
      ]),
    );
    expect(plan.steps).toEqual([
      { kind: 'recreate', desktop: 'd-0', node: 'node-1' },
      { kind: 'migrate', desktop: 'd-1', node: 'node-1' },
    ]);
    expect(plan.waiting).toBe(1);
    expect(plan.unbindable).toEqual(new Set(['d-0', 'd-1', 'd-2', 'd-4']));
    expect(plan.progress).toEqual([{ node: 'node-1', remaining: ['d-0', 'd-1', 'd-2', 'd-4'], working: ['alice'] }]);
  });

  it('counts free desktops already unavailable, whatever made them so, against the budget', () => {
    const moving = [desktop('d-0', undefined, { ready: false }), desktop('d-1', 'node-2', { migrating: true })];
    const plan = planMaintenance(input([...moving, desktop('d-2', 'node-1', { persistent: true })]));
    expect(plan.steps).toEqual([]);
    expect(plan.waiting).toBe(1);
    // One deleted to be made afresh and not made yet is away too.
    const gone = planMaintenance(input([desktop('d-2', 'node-1')], { budget: 1, missing: 1 }));
    expect(gone).toMatchObject({ steps: [], waiting: 1 });
    // Once they are back, the next one goes: stopped and started elsewhere (its disk cannot migrate).
    expect(planMaintenance(input([desktop('d-2', 'node-1', { persistent: true })])).steps).toEqual([
      { kind: 'restart', desktop: 'd-2', node: 'node-1', held: false },
    ]);
  });

  it('migrates held desktops that can, after the free ones, and tells the others when they restart', () => {
    const held = (name: string, over: Partial<DesktopPlace> = {}) =>
      desktop(name, 'node-1', { held: true, holder: name, ...over });
    const desktops = [
      held('ann', { migratable: true }),
      held('bob'),
      held('cy', { migratable: true, migrationFailed: true }),
    ];
    const plan = planMaintenance(input([...desktops, desktop('free', 'node-1')]));
    const deadline = new Date('2026-12-07T17:00:00Z');
    expect(plan.steps).toEqual([
      { kind: 'recreate', desktop: 'free', node: 'node-1' },
      { kind: 'warn', desktop: 'bob', node: 'node-1', deadline },
      { kind: 'warn', desktop: 'cy', node: 'node-1', deadline },
    ]);
    expect(plan.recheckAt).toEqual(deadline);
    // The free one gone: ann migrates.
    expect(planMaintenance(input(desktops)).steps[0]).toEqual({ kind: 'migrate', desktop: 'ann', node: 'node-1' });
  });

  it('keeps the deadline a holder was told, takes the node’s when it sets one, and restarts when it passes', () => {
    const told = new Date('2026-12-07T16:30:00Z');
    const bob = desktop('bob', 'node-1', { held: true, holder: 'bob', toldDeadline: told });
    const nodes = new Map([['node-1', { name: 'node-1', deadline: new Date('2026-12-07T18:00:00Z') }]]);
    expect(planMaintenance(input([bob], { nodes })).steps).toEqual([
      { kind: 'warn', desktop: 'bob', node: 'node-1', deadline: told },
    ]);
    const fresh = { ...bob, toldDeadline: undefined };
    expect(planMaintenance(input([fresh], { nodes })).recheckAt).toEqual(new Date('2026-12-07T18:00:00Z'));
    expect(planMaintenance(input([bob], { now: told })).steps).toEqual([
      { kind: 'restart', desktop: 'bob', node: 'node-1', held: true },
    ]);
  });

  it('leaves halted desktops and those already leaving alone', () => {
    const plan = planMaintenance(
      input([desktop('off', 'node-1', { running: false }), desktop('gone', 'node-1', { leaving: true, ready: false })]),
    );
    expect(plan.steps).toEqual([]);
    expect(plan.unbindable).toEqual(new Set());
  });
});
