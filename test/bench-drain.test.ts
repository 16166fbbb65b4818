// The pure parts of the drain benchmark (bench/drain.ts): how a held desktop's session is judged
// from what the watches saw, and how both runs read in BENCHMARKS.md.
import { describe, expect, it } from 'vitest';
import { type Session, seeInstance, tally } from '../bench/drain/sessions.js';
import type { DrainResult, DrainRun } from '../bench/drain.js';
import { drainRows, drainSection } from '../bench/harness/report-drain.js';

const NODE = 'n-1';
const NEVER = Number.POSITIVE_INFINITY;

function session(extra: Partial<Session> = {}): Session {
  return { claim: 'c', uid: 'u1', ...extra };
}

describe('a held session during a drain', () => {
  it('went on live when the same instance runs on another node', () => {
    const s = session();
    seeInstance(s, { uid: 'u1', node: NODE, gone: false }, NODE, 1, NEVER);
    seeInstance(s, { uid: 'u1', node: 'n-2', gone: false }, NODE, 2, NEVER);
    expect(tally([s])).toEqual({ migratedLive: 1, sawCountdown: 0, restartedAfterCountdown: 0, lost: 0 });
  });

  it('is lost when its instance ends with no countdown shown', () => {
    const s = session();
    seeInstance(s, { uid: 'u1', node: NODE, gone: true }, NODE, 5, NEVER);
    // The VM starts a new instance elsewhere: still the one loss, not a live move.
    seeInstance(s, { uid: 'u2', node: 'n-2', gone: false }, NODE, 6, NEVER);
    expect(tally([s])).toMatchObject({ migratedLive: 0, lost: 1 });
  });

  it('is lost when replaced after a countdown but before its deadline passed', () => {
    const s = session({ countdownAt: 1 });
    seeInstance(s, { uid: 'u2', node: 'n-2', gone: false }, NODE, 5, NEVER);
    expect(tally([s])).toMatchObject({ sawCountdown: 1, restartedAfterCountdown: 0, lost: 1 });
  });

  it('did not see a countdown that came after it had ended', () => {
    const s = session();
    seeInstance(s, { uid: 'u1', node: NODE, gone: true }, NODE, 5, NEVER);
    s.countdownAt = 6;
    expect(tally([s])).toMatchObject({ sawCountdown: 0, lost: 1 });
  });

  it('is restarted as told when it ends after the countdown and the deadline', () => {
    const s = session({ countdownAt: 1 });
    seeInstance(s, { uid: 'u1', node: NODE, gone: true }, NODE, 20, 10);
    expect(tally([s])).toMatchObject({ sawCountdown: 1, restartedAfterCountdown: 1, lost: 0 });
  });
});

const run = (way: DrainRun['way'], extra: Partial<DrainRun>): DrainRun => ({
  way,
  secondsToEmpty: 10,
  secondsUntilAllReady: 12,
  free: 150,
  held: 50,
  migratedLive: 13,
  sawCountdown: 0,
  restartedAfterCountdown: 0,
  sessionsLost: 0,
  claimsKept: 50,
  migrations: { succeeded: 50, failed: 0 },
  ...extra,
});

const result: DrainResult = {
  sizes: { desktops: 200, held: 50, migratablePercent: 25, nodes: 3, bootDelayMs: 5000 },
  mix: { readWriteOnce: 150, migratable: 50, heldReadWriteOnce: 37, heldMigratable: 13 },
  runs: [
    run('kubevdi', {
      secondsToEmpty: 40,
      secondsUntilOnlyCountdowns: 30,
      noticeMinutes: 60,
      sawCountdown: 37,
      restartedAfterCountdown: 37,
    }),
    run('by-hand', { secondsToEmpty: 20, sessionsLost: 37 }),
  ],
};

describe('the drain report', () => {
  it('sets both runs side by side, with the ratio of their times and the sessions each lost', () => {
    const text = drainSection(result);
    expect(text).toContain('### Draining a node');
    expect(text).toContain('| kubevdi maintenance | by hand (`kubectl drain`) |');
    expect(text).toContain(
      '| **sessions lost**: ended without a countdown, or before the time it said | **0** | **37** |',
    );
    expect(text).toContain('time to empty 2× (without the notice)');
    const [row] = drainRows(result);
    expect(row).toContain('**0 sessions lost**');
    expect(row).toContain('`kubectl drain`: empty in 20 s, **37 sessions lost**');
    expect(row).toContain('✅');
  });
});
