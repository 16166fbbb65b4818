import { describe, expect, it } from 'vitest';
import { VirtualDesktopPoolSpec } from '../../src/api/virtualdesktoppool.js';
import { poolIntent } from '../../src/controllers/pool-intent.js';

const spec = (over: Record<string, unknown>) => VirtualDesktopPoolSpec.parse({ templateRef: { name: 't' }, ...over });

describe('poolIntent', () => {
  it.each([
    ['the defaults', { size: 8 }, { size: 8, prestarted: 0, paused: false, maxUnavailable: 2 }],
    ['a warm count', { size: 8, prestarted: 3 }, { prestarted: 3 }],
    ['paused', { size: 8, paused: true }, { paused: true }],
    ['a number of desktops', { size: 8, updateStrategy: { maxUnavailable: 5 } }, { maxUnavailable: 5 }],
    ['a percentage rounded down', { size: 7, updateStrategy: { maxUnavailable: '50%' } }, { maxUnavailable: 3 }],
    ['a percentage of nothing', { size: 0, updateStrategy: { maxUnavailable: '100%' } }, { maxUnavailable: 0 }],
  ])('%s', (_, given, wanted) => {
    expect(poolIntent(spec(given))).toMatchObject(wanted);
  });

  it('carries how a rollout goes', () => {
    const intent = poolIntent(
      spec({ size: 2, persistence: 'Persistent', updateStrategy: { type: 'Manual', maxUnavailable: 1 } }),
    );
    expect(intent).toEqual({
      size: 2,
      prestarted: 0,
      paused: false,
      persistence: 'Persistent',
      updateStrategy: 'Manual',
      maxUnavailable: 1,
    });
  });
});
