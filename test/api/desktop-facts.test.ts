import { describe, expect, it } from 'vitest';
import {
  CLAIM_ANNOTATION,
  CLAIM_UID_ANNOTATION,
  HOLDER_ANNOTATION,
  RESET_ANNOTATION,
} from '../../src/api/annotations.js';
import { desktopFacts } from '../../src/api/desktop-facts.js';
import { LABELS } from '../../src/api/labels.js';

describe('desktopFacts', () => {
  it('reads a bound, running desktop', () => {
    const facts = desktopFacts({
      metadata: {
        name: 'sales-0',
        labels: { [LABELS.templateRevision]: '3' },
        annotations: { [HOLDER_ANNOTATION]: 'alice', [CLAIM_ANNOTATION]: 'alice-1', [CLAIM_UID_ANNOTATION]: 'u1' },
      },
      spec: { runStrategy: 'Always' },
      status: { printableStatus: 'Running', ready: true },
    });
    expect(facts).toEqual({
      name: 'sales-0',
      state: 'Running',
      holder: 'alice',
      claim: 'alice-1',
      claimUid: 'u1',
      revision: 3,
      running: true,
      halted: false,
      ready: true,
      resetting: false,
      deleting: false,
    });
  });

  it.each([
    ['no label', undefined, undefined],
    ['not a number', 'x', undefined],
    ['zero', '0', undefined],
    ['a number', '12', 12],
  ])('revision label %s', (_, label, revision) => {
    const labels: Record<string, string> = label === undefined ? {} : { [LABELS.templateRevision]: label };
    expect(desktopFacts({ metadata: { name: 'd', labels } }).revision).toBe(revision);
  });

  it('reads a halted desktop being reset and deleted, with no status yet', () => {
    const facts = desktopFacts({
      metadata: {
        name: 'sales-1',
        annotations: { [RESET_ANNOTATION]: '2026-12-07T00:00:00Z' },
        deletionTimestamp: '2026-12-07T00:00:01Z',
      },
      spec: { runStrategy: 'Halted' },
    });
    expect(facts).toMatchObject({
      state: undefined,
      running: false,
      halted: true,
      ready: false,
      resetting: true,
      deleting: true,
    });
  });
});
