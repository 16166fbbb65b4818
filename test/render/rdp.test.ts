import { describe, expect, it } from 'vitest';
import { rdpPeers } from '../../src/cli-options.js';
import { renderRdpNetworkPolicy } from '../../src/render/rdp.js';

const pool = { name: 'sales', namespace: 'team', uid: 'u-1' };

describe('the RDP NetworkPolicy of a pool', () => {
  it('lets only the named peers reach port 3389 of the pool’s desktops, and leaves every other port open', () => {
    const peers = rdpPeers('kubevdi', 'app.kubernetes.io/component=portal', ['10.8.0.0/16']);
    const policy = renderRdpNetworkPolicy(pool, peers);
    expect(policy.metadata).toMatchObject({
      name: 'kubevdi-rdp-sales',
      namespace: 'team',
      ownerReferences: [{ kind: 'VirtualDesktopPool', name: 'sales', uid: 'u-1', controller: true }],
    });
    expect(policy.spec?.podSelector).toEqual({
      matchLabels: { 'kubevdi.io/pool': 'sales', 'app.kubernetes.io/managed-by': 'kubevdi' },
    });
    const [rdp, others] = policy.spec?.ingress ?? [];
    expect(rdp?._from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kubevdi' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'portal' } },
      },
      { ipBlock: { cidr: '10.8.0.0/16' } },
    ]);
    expect(rdp?.ports).toEqual([
      { protocol: 'TCP', port: 3389 },
      { protocol: 'UDP', port: 3389 },
    ]);
    // Every port but 3389, from anywhere, for each protocol a policy knows.
    expect(others?._from).toBeUndefined();
    for (const protocol of ['TCP', 'UDP', 'SCTP']) {
      const ranges = others?.ports?.filter((p) => p.protocol === protocol).map((p) => [p.port, p.endPort]);
      expect(ranges).toEqual([
        [1, 3388],
        [3390, 65535],
      ]);
    }
  });

  it('closes RDP to everyone when nobody is named', () => {
    const ingress = renderRdpNetworkPolicy(pool, []).spec?.ingress ?? [];
    expect(ingress.some((rule) => rule.ports?.some((p) => p.port === 3389))).toBe(false);
  });

  it('refuses command lines that do not say who', () => {
    expect(() => rdpPeers(undefined, 'app', [])).toThrow('--rdp-allow-from-pods takes key=value');
    expect(() => rdpPeers(undefined, undefined, ['10.0.0.1'])).toThrow('--rdp-allow-cidr takes a CIDR');
  });
});
