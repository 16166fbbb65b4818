// The admission policies against what a person could plant or forge, through the real API server
// with RBAC on: each case is a request a test user makes as themself, answered by the API server
// (writes as server-side dry runs where nothing needs to stay). No operator runs here.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { applyAs, bindClusterRole, kubeconfig, refusal, useTestNamespace } from './support/cluster.js';

const namespace = useTestNamespace('admission');
const KUBEVDI = { group: 'kubevdi.io', version: 'v1alpha1' };

/** alice may create claims (kubevdi:user) and use pool `sales` (what the pool's access grants her). */
async function entitleAlice(): Promise<void> {
  await bindClusterRole(namespace(), 'kubevdi:user', 'vdi-users');
  const apply = applyAs();
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'use-sales', namespace: namespace() },
    rules: [
      { apiGroups: ['kubevdi.io'], resources: ['virtualdesktoppools'], resourceNames: ['sales'], verbs: ['use'] },
    ],
  });
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'use-sales', namespace: namespace() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'use-sales' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  });
}

function createClaimAs(user: string, metadata: Record<string, unknown>) {
  return kubeconfig(user)
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      ...KUBEVDI,
      plural: 'desktopclaims',
      namespace: namespace(),
      dryRun: 'All',
      body: {
        apiVersion: API_VERSION,
        kind: 'DesktopClaim',
        metadata: { name: 'mine', ...metadata },
        spec: { poolRef: { name: 'sales' }, user },
      },
    });
}

describe('the claim admission policy at creation', () => {
  const BARE =
    'a claim you create may carry no finalizers, owner references or labels, and no annotations but kubevdi.io/activity';

  it('refuses a claim created with a foreign finalizer, owner reference, label or annotation, and takes a plain one', async () => {
    await entitleAlice();
    const planted: Record<string, Record<string, unknown>> = {
      finalizer: { finalizers: ['example.com/never-let-go'] },
      'owner reference': {
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'anything', uid: '0d4f1c2e-0000-4000-8000-000000000000' },
        ],
      },
      label: { labels: { 'kubevdi.io/pool': 'other' } },
      annotation: { annotations: { 'kubevdi.io/claim-uid': 'forged' } },
    };
    for (const [what, metadata] of Object.entries(planted)) {
      const { code, message } = await refusal(createClaimAs('alice', metadata));
      expect({ what, code, message }).toEqual({ what, code: 403, message: expect.stringContaining(BARE) });
    }
    // What the portal and `kubectl apply -f claim.yaml` send still passes.
    await createClaimAs('alice', {});
    await createClaimAs('alice', { generateName: 'sales-', name: undefined });
    await createClaimAs('alice', {
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubevdi.io/activity': 'now' },
    });
  });

  it('lets a pool administrator create a claim with metadata (they may assign)', async () => {
    await bindClusterRole(namespace(), 'kubevdi:pool-admin', 'vdi-pool-admins');
    await createClaimAs('carol', { labels: { team: 'sales' }, finalizers: ['example.com/audit'] });
  });
});
