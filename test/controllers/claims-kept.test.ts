import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KeptClaims, type KeptInputs, keptSignature } from '../../src/controllers/claims-kept.js';

const obj = (name: string, uid: string, resourceVersion: string, generation?: number): KubernetesObject => ({
  metadata: { name, uid, resourceVersion, ...(generation !== undefined ? { generation } : {}) },
});

const inputs = (): KeptInputs => ({
  claim: obj('ada-1', 'claim-1', '10'),
  desktop: obj('sales-3', 'vm-3', '20'),
  role: obj('kubevdi-claim-ada-1', 'role-1', '30'),
  binding: obj('kubevdi-claim-ada-1', 'rb-1', '31'),
  pool: obj('sales', 'pool-1', '40', 2),
  pending: undefined,
});

describe('which bound claims a pass may leave alone', () => {
  it('gives the same signature for the same inputs, and another when any of them changes', () => {
    const base = keptSignature(inputs());
    expect(keptSignature(inputs())).toBe(base);
    const changes: Partial<KeptInputs>[] = [
      { claim: obj('ada-1', 'claim-1', '11') },
      // The same name made again is another claim.
      { claim: obj('ada-1', 'claim-2', '10') },
      { desktop: obj('sales-3', 'vm-3', '21') },
      { desktop: undefined },
      { role: undefined },
      { binding: obj('kubevdi-claim-ada-1', 'rb-1', '32') },
      { pool: obj('sales', 'pool-1', '40', 3) },
      { pending: { action: 'Restart', deadline: '2026-12-08T18:00:00Z' } },
    ];
    for (const change of changes)
      expect(keptSignature({ ...inputs(), ...change }), JSON.stringify(change)).not.toBe(base);
    // The pool's status is written on every bind; only its spec (its generation) counts.
    expect(keptSignature({ ...inputs(), pool: obj('sales', 'pool-1', '41', 2) })).toBe(base);
  });

  it('leaves a claim alone only for the signature it was made right from, and forgets claims that are gone', () => {
    const kept = new KeptClaims();
    const signature = keptSignature(inputs());
    expect(kept.unchanged('claim-1', signature)).toBe(false);
    kept.kept('claim-1', signature);
    kept.kept('claim-2', signature);
    expect(kept.unchanged('claim-1', signature)).toBe(true);
    expect(kept.unchanged('claim-1', `${signature}x`)).toBe(false);
    kept.keepOnly(new Set(['claim-1']));
    expect(kept.unchanged('claim-2', signature)).toBe(false);
  });
});
