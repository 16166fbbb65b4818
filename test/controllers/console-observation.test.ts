import { describe, expect, it } from 'vitest';
import {
  CONSOLE_LOST_AFTER_MS,
  type ConsoleRecord,
  consoleRecords,
  recentlyEndedBy,
} from '../../src/api/console-record.js';
import { duration, observeConsoles, type StatusConsole } from '../../src/controllers/console-observation.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';

function record(overrides: Partial<ConsoleRecord> = {}): string {
  return JSON.stringify({
    protocol: 'rdp',
    person: 'ada',
    client: '10.0.0.5',
    desktop: 'sales-0',
    since: '2026-12-07T09:45:00Z',
    seen: '2026-12-07T09:59:30Z',
    ...overrides,
  } satisfies ConsoleRecord);
}

const endRequest = (at = '2026-12-07T09:59:50Z') => JSON.stringify({ by: 'linus', at });

const shown = (id: string, extra: Partial<StatusConsole> = {}): StatusConsole => ({
  id,
  protocol: 'rdp',
  person: 'ada',
  client: '10.0.0.5',
  since: '2026-12-07T09:45:00Z',
  ...extra,
});

describe('console records on a claim', () => {
  it('reads the well-formed ones, oldest first, with the end request beside them', () => {
    const entries = consoleRecords({
      [`console.kubevdi.io/${B}`]: record({ since: '2026-12-07T09:50:00Z', protocol: 'vnc' }),
      [`console.kubevdi.io/${A}`]: record(),
      [`console-end.kubevdi.io/${A}`]: endRequest(),
      'console.kubevdi.io/not-an-id': record(),
      [`console.kubevdi.io/${'c'.repeat(16)}`]: '{"protocol":"telnet"}',
      'kubevdi.io/activity': 'x',
    });
    expect(entries.map((e) => [e.id, e.record.protocol, e.endRequestedBy])).toEqual([
      [A, 'rdp', 'linus'],
      [B, 'vnc', undefined],
    ]);
  });
});

describe('observing console connections', () => {
  it('a new connection: shown in status, one Event, looked at again before it would count as lost', () => {
    const o = observeConsoles({ [`console.kubevdi.io/${A}`]: record() }, undefined, NOW);
    expect(o.consoles).toEqual([shown(A)]);
    expect(o.events).toEqual([
      {
        type: 'Normal',
        reason: 'ConsoleConnected',
        message: "ada's connection to desktop sales-0 by remote desktop (RDP) from 10.0.0.5 opened",
      },
    ]);
    expect(o.remove).toEqual([]);
    expect(o.recheckAfterMs).toBe(CONSOLE_LOST_AFTER_MS - 30_000);
  });

  it('one already shown: no Event again; an end request shows who asked', () => {
    const annotations = { [`console.kubevdi.io/${A}`]: record(), [`console-end.kubevdi.io/${A}`]: endRequest() };
    const o = observeConsoles(annotations, [shown(A)], NOW);
    expect(o.events).toEqual([]);
    expect(o.consoles).toEqual([shown(A, { endRequestedBy: 'linus' })]);
    expect(o.remove).toEqual([]);
  });

  it('ended: an Event that says how long and why, the record removed, the status cleared', () => {
    const annotations = {
      [`console.kubevdi.io/${A}`]: record({ ended: '2026-12-07T09:57:10Z', endedBy: 'administrator' }),
      [`console-end.kubevdi.io/${A}`]: endRequest('2026-12-07T09:59:20Z'),
    };
    const o = observeConsoles(annotations, [shown(A, { endRequestedBy: 'linus' })], NOW);
    expect(o.consoles).toBeUndefined();
    expect(o.events).toEqual([
      {
        type: 'Normal',
        reason: 'ConsoleDisconnected',
        message:
          "ada's connection to desktop sales-0 by remote desktop (RDP) from 10.0.0.5 ended after 12 min: ended by an administrator (linus)",
      },
    ]);
    // The end request stays a minute after it was made, for ada's page to learn why it dropped.
    expect(o.remove).toEqual([`console.kubevdi.io/${A}`]);
    expect(o.recheckAfterMs).toBe(20_000);
    const later = observeConsoles(
      { [`console-end.kubevdi.io/${A}`]: annotations[`console-end.kubevdi.io/${A}`] as string },
      undefined,
      new Date('2026-12-07T10:00:20Z'),
    );
    expect(later.remove).toEqual([`console-end.kubevdi.io/${A}`]);
    expect(later.recheckAfterMs).toBeUndefined();
  });

  it('tells a page reconnecting after a drop that an administrator ended its connection, for a minute', () => {
    const annotations = { [`console-end.kubevdi.io/${A}`]: endRequest('2026-12-07T09:59:20Z') };
    expect(recentlyEndedBy(annotations, A, NOW)).toBe('linus');
    expect(recentlyEndedBy(annotations, B, NOW)).toBeUndefined();
    expect(recentlyEndedBy(annotations, A, new Date('2026-12-07T10:00:20Z'))).toBeUndefined();
  });

  it('not refreshed for too long: lost, a Warning, removed', () => {
    const seen = new Date(NOW.getTime() - CONSOLE_LOST_AFTER_MS).toISOString();
    const o = observeConsoles({ [`console.kubevdi.io/${A}`]: record({ seen }) }, [shown(A)], NOW);
    expect(o.consoles).toBeUndefined();
    expect(o.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'ConsoleLost' })]);
    expect(o.remove).toEqual([`console.kubevdi.io/${A}`]);
  });

  it('opened and ended between two looks: one Event, the one that ends it', () => {
    const o = observeConsoles(
      { [`console.kubevdi.io/${A}`]: record({ ended: '2026-12-07T09:45:40Z', endedBy: 'browser' }) },
      undefined,
      NOW,
    );
    expect(o.events.map((e) => [e.reason, e.message.split(': ')[1]])).toEqual([
      ['ConsoleDisconnected', 'closed in the browser'],
    ]);
  });

  it('removes what does not parse, and end requests a minute old whose connection is gone', () => {
    const o = observeConsoles(
      {
        [`console.kubevdi.io/${A}`]: 'not json',
        [`console-end.kubevdi.io/${B}`]: 'linus',
        [`console-end.kubevdi.io/${'c'.repeat(16)}`]: endRequest('2026-12-07T09:50:00Z'),
        other: 'kept',
      },
      undefined,
      NOW,
    );
    expect(o.remove.sort()).toEqual([
      `console-end.kubevdi.io/${B}`,
      `console-end.kubevdi.io/${'c'.repeat(16)}`,
      `console.kubevdi.io/${A}`,
    ]);
    expect(o.events).toEqual([]);
    expect(o.consoles).toBeUndefined();
  });

  it.each([
    [5, '5 s'],
    [59, '59 s'],
    [60, '1 min'],
    [3599, '59 min'],
    [3600, '1 h'],
    [3600 + 5 * 60, '1 h 5 min'],
  ])('%i seconds read as %s', (seconds, words) => expect(duration(seconds)).toBe(words));
});
