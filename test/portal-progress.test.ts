// The words a person reads about their claim come from its conditions, as the operator writes them.
import { describe, expect, it } from 'vitest';
import type { Claim } from '../src/portal/api-types.js';
import { progressOf } from '../src/portal/web/progress.js';

const claim = (over: Partial<Claim>): Claim => ({
  namespace: 'team',
  name: 'sales-x1',
  pool: 'sales',
  user: 'alice',
  conditions: [],
  ...over,
});
const bound = { type: 'Bound', status: 'True', reason: 'DesktopBound', message: 'desktop sales-0 is bound to alice' };

describe('a claim’s progress in plain words', () => {
  it('walks from waiting to ready', () => {
    expect(progressOf(claim({})).headline).toBe('Waiting for a desktop');
    expect(
      progressOf(claim({ phase: 'Bound', desktop: { name: 'sales-0', ready: false }, conditions: [bound] })),
    ).toMatchObject({ state: 'assigned', step: 1, headline: 'Desktop assigned' });
    const starting = {
      type: 'Ready',
      status: 'False',
      reason: 'DesktopStarting',
      message: 'desktop sales-0 is Starting',
    };
    expect(
      progressOf(claim({ phase: 'Bound', desktop: { name: 'sales-0', ready: false }, conditions: [bound, starting] })),
    ).toMatchObject({ state: 'starting', step: 2, detail: 'desktop sales-0 is Starting' });
    const ready = {
      type: 'Ready',
      status: 'True',
      reason: 'DesktopReady',
      message: 'desktop sales-0 is running and ready',
    };
    expect(
      progressOf(claim({ phase: 'Bound', desktop: { name: 'sales-0', ready: true }, conditions: [bound, ready] })),
    ).toMatchObject({ state: 'ready', step: 3, headline: 'Ready to connect' });
  });

  it('says why a claim waits, in words and in the operator’s own', () => {
    for (const [reason, words] of [
      ['PoolExhausted', 'All desktops of this pool are in use'],
      ['UserLimitReached', 'You already hold as many desktops of this pool as you may'],
      ['DesktopResetting', 'Your desktop is being reset to a fresh disk'],
    ] as const) {
      const p = progressOf(
        claim({ phase: 'Pending', conditions: [{ type: 'Bound', status: 'False', reason, message: 'operator says' }] }),
      );
      expect(p).toMatchObject({ state: 'waiting', step: 0, detail: 'operator says' });
      expect(p.problem).toContain(words);
    }
  });

  it('says why a desktop went back', () => {
    for (const [reason, words] of [
      ['LoggedOff', 'You logged off'],
      ['IdleTimeout', 'Nobody was logged on for a long time'],
    ] as const) {
      const p = progressOf(
        claim({
          phase: 'Released',
          conditions: [{ type: 'Released', status: 'True', reason, message: 'desktop sales-0 was released' }],
        }),
      );
      expect(p).toMatchObject({ state: 'released', step: -1, headline: 'Given back' });
      expect(p.problem).toContain(words);
    }
    expect(progressOf(claim({ deleting: true })).state).toBe('leaving');
    const off = {
      type: 'Ready',
      status: 'False',
      reason: 'DesktopPoweredOff',
      message: 'desktop sales-0 is powered off',
    };
    expect(
      progressOf(claim({ phase: 'Bound', desktop: { name: 'sales-0', ready: false }, conditions: [bound, off] })).state,
    ).toBe('off');
  });
});

describe('the desktop’s own state beats a claim that has not caught up', () => {
  const bound = { type: 'Bound', status: 'True', reason: 'DesktopBound', message: 'bound' };
  const ready = { type: 'Ready', status: 'True', reason: 'DesktopReady', message: 'ready' };
  const held = (state: string | undefined) => ({
    namespace: 'team',
    name: 'sales-x1',
    pool: 'sales',
    user: 'alice',
    phase: 'Bound',
    desktop: { name: 'sales-0', ready: true, ...(state ? { state } : {}) },
    conditions: [bound, ready],
  });

  it('says Stopping, Powered off or Starting when KubeVirt says so', () => {
    expect(progressOf(held(undefined)).state).toBe('ready');
    expect(progressOf(held('Running')).state).toBe('ready');
    expect(progressOf(held('Stopping'))).toMatchObject({ state: 'off', headline: 'Stopping' });
    expect(progressOf(held('Stopped'))).toMatchObject({ state: 'off', headline: 'Powered off' });
    expect(progressOf(held('Starting'))).toMatchObject({ state: 'starting', headline: 'Starting' });
  });
});
