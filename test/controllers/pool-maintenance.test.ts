// What the pool controller does with a maintenance plan (src/controllers/pool-maintenance.ts): it
// carries out the moves of free desktops and the migrations, leaves countdowns and held restarts to
// the claim controller, and logs only what it did (a countdown stands in every pass's plan until
// its deadline: with 37 people on a node, a line each every pass drowned the operator's log in the
// drain benchmark).
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { VirtualDesktopPool } from '../../src/api/virtualdesktoppool.js';
import type { MaintenancePlan } from '../../src/controllers/maintenance-plan.js';
import { moveFreeAndMigrate } from '../../src/controllers/pool-maintenance.js';

const pool = { metadata: { name: 'sales', namespace: 'ns' }, spec: {} } as unknown as VirtualDesktopPool & {
  metadata: { name: string; namespace: string };
};
const desktop = (name: string) => ({ metadata: { name, uid: `${name}-uid`, resourceVersion: '1' } });

describe('the pool’s part of maintenance', () => {
  it('recreates and migrates, leaves countdowns and held restarts alone, and logs only what it did', async () => {
    const done: string[] = [];
    const events: string[] = [];
    const lines: { desktop: string; step: string }[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, next) {
          lines.push(JSON.parse(String(chunk)));
          next();
        },
      }),
    );
    const deps = {
      actions: {
        deleteDesktop: async (_ns: string, name: string) => {
          done.push(`delete ${name}`);
          return true;
        },
        migrateDesktop: async (_ns: string, name: string) => void done.push(`migrate ${name}`),
        restartDesktop: async (_ns: string, name: string) => void done.push(`restart ${name}`),
      },
      recorder: {
        record: (_o: unknown, _t: string, reason: string, note: string) => void events.push(`${reason}: ${note}`),
      },
    };
    const plan: MaintenancePlan = {
      steps: [
        { kind: 'recreate', desktop: 'd-0', node: 'n1' },
        { kind: 'migrate', desktop: 'd-1', node: 'n1' },
        { kind: 'warn', desktop: 'd-2', node: 'n1', deadline: new Date('2026-12-07T16:00:00Z') },
        { kind: 'restart', desktop: 'd-3', node: 'n1', held: true },
        { kind: 'restart', desktop: 'd-4', node: 'n1', held: false },
      ],
      unbindable: new Set(),
      progress: [],
      waiting: 0,
    };
    const names = ['d-0', 'd-1', 'd-2', 'd-3', 'd-4'];
    await moveFreeAndMigrate(
      deps as never,
      pool,
      names.map(desktop) as never,
      { plan, instanceUids: new Map(names.map((n) => [n, `${n}-vmi`])) },
      log,
    );
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(['delete d-0', 'migrate d-1', 'restart d-4']);
    expect(events).toHaveLength(3);
    expect(lines.map((l) => `${l.step} ${l.desktop}`)).toEqual(['recreate d-0', 'migrate d-1', 'restart d-4']);
  });
});
