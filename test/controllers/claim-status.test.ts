import { describe, expect, it } from 'vitest';
import { type DesktopFacts, desktopFacts } from '../../src/api/desktop-facts.js';
import {
  boundStatus,
  type ClaimView,
  claimStatus,
  failedStatus,
  pendingStatus,
  releasedStatus,
} from '../../src/controllers/claim-status.js';

const now = new Date('2026-12-07T10:00:00.123Z');
const claim = (status?: ClaimView['status']): ClaimView => ({
  metadata: { namespace: 'ns', generation: 2 },
  spec: { user: 'alice' },
  status,
});
const facts = (vm: Parameters<typeof desktopFacts>[0]): DesktopFacts =>
  desktopFacts({ ...vm, metadata: { name: 'sales-0', ...vm.metadata } });
const byType = (update: { conditions: { type: string; status: string; reason: string }[] }) =>
  Object.fromEntries(update.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('pendingStatus', () => {
  it.each([
    ['a new claim: a warning', undefined, 'PoolExhausted', true],
    ['the same reason again: no second warning', 'PoolExhausted', 'PoolExhausted', false],
    ['another reason: a warning', 'PoolExhausted', 'UserLimitReached', true],
  ])('%s', (_, before, reason, warns) => {
    const status = before
      ? {
          conditions: [
            { type: 'Bound', status: 'False' as const, reason: before, message: '', lastTransitionTime: '' },
          ],
        }
      : undefined;
    const update = pendingStatus(claim(status), reason, 'why');
    expect(update.fields).toEqual({ phase: 'Pending' });
    expect(byType(update)).toEqual({ Bound: `False/${reason}` });
    expect(update.event !== undefined).toBe(warns);
  });
});

describe('boundStatus', () => {
  it.each([
    ['ready', { status: { ready: true, printableStatus: 'Running' } }, 'True/DesktopReady'],
    [
      'powered off',
      { spec: { runStrategy: 'Halted' }, status: { printableStatus: 'Stopped' } },
      'False/DesktopPoweredOff',
    ],
    ['starting', { spec: { runStrategy: 'Always' }, status: { printableStatus: 'Starting' } }, 'False/DesktopStarting'],
    ['not in the cache', undefined, 'False/DesktopStarting'],
  ])('Ready when the desktop is %s', (_, vm, ready) => {
    const update = boundStatus(claim(), 'sales-0', vm && facts(vm), { now });
    expect(byType(update)).toEqual({ Bound: 'True/DesktopBound', Ready: ready });
  });

  it('says how to reach the desktop, when it was bound, and what falls due', () => {
    const pending = {
      action: 'Release' as const,
      reason: 'LoggedOff' as const,
      deadline: '2026-12-07T11:00:00Z',
      message: 'released at 11:00',
    };
    const update = boundStatus(claim(), 'sales-0', facts({ status: { ready: true } }), { rdp: true, pending, now });
    expect(update.fields).toEqual({
      phase: 'Bound',
      desktop: { name: 'sales-0', ready: true },
      boundTime: '2026-12-07T10:00:00Z',
      connection: {
        vncPath: '/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/sales-0/vnc',
        rdpService: expect.any(String),
      },
      pendingAction: pending,
    });
  });

  it('keeps the time of a binding it already reported, and removes a deadline that no longer holds', () => {
    const before = claim({ desktop: { name: 'sales-0', ready: false }, boundTime: '2026-12-07T09:00:00Z' });
    const update = boundStatus(before, 'sales-0', undefined, { now });
    expect(update.fields.boundTime).toBe('2026-12-07T09:00:00Z');
    expect('pendingAction' in update.fields && update.fields.pendingAction === undefined).toBe(true);
  });

  it.each([
    ['KubeVirt does not answer', { session: { kubevirtUnavailable: 'virt-api down' } }, 'False/KubeVirtUnavailable'],
    [
      'it answers again',
      {
        conditions: [
          { type: 'SessionObserved', status: 'False' as const, reason: 'x', message: '', lastTransitionTime: '' },
        ],
      },
      'True/KubeVirtAvailable',
    ],
    ['it never failed', {}, undefined],
  ])('SessionObserved when %s', (_, status, observed) => {
    expect(byType(boundStatus(claim(status), 'sales-0', undefined, { now })).SessionObserved).toBe(observed);
  });
});

describe('releasedStatus and failedStatus', () => {
  it('a released claim says why, once', () => {
    const update = releasedStatus('sales-0', { kind: 'release', reason: 'IdleTimeout', message: 'idle for 1h' }, now);
    expect(update.fields).toEqual({ phase: 'Released', releasedTime: '2026-12-07T10:00:00Z' });
    expect(byType(update)).toEqual({ Bound: 'False/Released', Ready: 'False/Released', Released: 'True/IdleTimeout' });
    expect(update.event).toEqual({
      type: 'Normal',
      reason: 'IdleTimeout',
      message: 'desktop sales-0 was released: idle for 1h',
    });
  });

  it('a failed claim says why, as a warning', () => {
    const update = failedStatus({ reason: 'UserLimitReached', message: 'too many' });
    expect(update.fields).toEqual({ phase: 'Failed' });
    expect(byType(update)).toEqual({ Bound: 'False/UserLimitReached', Ready: 'False/UserLimitReached' });
    expect(update.event?.type).toBe('Warning');
  });
});

describe('claimStatus', () => {
  it('stamps the generation on the status and its conditions, keeping conditions it does not set', () => {
    const before = claim({
      conditions: [{ type: 'Released', status: 'True', reason: 'LoggedOff', message: '', lastTransitionTime: 'then' }],
    });
    const status = claimStatus(before, failedStatus({ reason: 'PoolDeleted', message: 'gone' }));
    expect(status.observedGeneration).toBe(2);
    expect(status.phase).toBe('Failed');
    expect(status.conditions?.map((c) => [c.type, c.observedGeneration])).toEqual([
      ['Bound', 2],
      ['Ready', 2],
      ['Released', undefined],
    ]);
  });
});
