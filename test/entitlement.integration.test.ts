// Who may claim what, decided by the API server: the pool's `access` becomes a Role granting `use`
// on that pool, and the admission policy lets a user claim only for themself and only from a pool
// they may use; pool admins (`assign`) may claim for others. Performed as real users.
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { applyAs, bindClusterRole, kubeconfig, refusal, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('ent');
const world = useWorld(namespace);

const pool = (access: { users?: string[]; groups?: string[] }) => ({
  apiVersion: API_VERSION,
  kind: 'VirtualDesktopPool',
  metadata: { name: 'sales', namespace: namespace() },
  spec: { templateRef: { name: 'fedora' }, size: 2, access },
});

/** As `kubectl create`: a user creates a claim (users are not given patch, so no server-side apply). */
async function create(user: string, obj: ReturnType<typeof claim>): Promise<KubernetesObject> {
  return (await kubeconfig(user).makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'kubevdi.io',
    version: 'v1alpha1',
    plural: 'desktopclaims',
    namespace: namespace(),
    body: obj,
  })) as KubernetesObject;
}

const claim = (name: string, user: string) => ({
  apiVersion: API_VERSION,
  kind: 'DesktopClaim',
  metadata: { name, namespace: namespace() },
  spec: { poolRef: { name: 'sales' }, user },
});

describe('entitlements and the claim admission policy', () => {
  it('let entitled users claim for themselves, refuse the rest with a reason, and let pool admins assign', async () => {
    await world.operator(['--leader-elect', 'false']);
    const admin = applyAs();
    // Everyone in vdi-users is a kubevdi user here; carol administers the pools.
    await bindClusterRole(namespace(), 'kubevdi:user', 'vdi-users');
    await bindClusterRole(namespace(), 'kubevdi:pool-admin', 'vdi-pool-admins');
    await admin(pool({ users: ['alice'] }));

    // alice is entitled; the operator wrote the Role and RoleBinding for it.
    await eventually(async () => expect((await create('alice', claim('alice', 'alice'))).metadata?.name).toBe('alice'));

    expect((await refusal(create('alice', claim('for-bob', 'bob')))).message).toBe(
      'desktopclaims.kubevdi.io "for-bob" is forbidden: ValidatingAdmissionPolicy \'kubevdi-desktopclaims\' with binding \'kubevdi-desktopclaims\' denied request: you may only claim a desktop for yourself: set spec.user to "alice"',
    );
    expect((await refusal(create('bob', claim('bob', 'bob')))).message).toBe(
      `desktopclaims.kubevdi.io "bob" is forbidden: ValidatingAdmissionPolicy 'kubevdi-desktopclaims' with binding 'kubevdi-desktopclaims' denied request: you are not entitled to desktops of pool ${namespace()}/sales: ask its administrator to add you or your group to spec.access`,
    );

    // The pool admin adds bob's group to the pool; now he may claim.
    await applyAs('carol')(pool({ users: ['alice'], groups: ['vdi-admins'] }));
    await eventually(async () => expect((await create('bob', claim('bob', 'bob'))).metadata?.name).toBe('bob'));

    // A pool admin may claim on behalf of someone (RHEV's "assign"); a plain user may not.
    expect((await create('carol', claim('for-alice', 'alice'))).metadata?.name).toBe('for-alice');

    // Nobody but its user (or a pool admin) reads or releases a claim: users are granted their own claims only.
    const claims = (user: string) => kubeconfig(user).makeApiClient(CustomObjectsApi);
    const path = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'desktopclaims', namespace: namespace() };
    expect((await refusal(claims('bob').deleteNamespacedCustomObject({ ...path, name: 'alice' }))).message).toBe(
      `desktopclaims.kubevdi.io "alice" is forbidden: User "bob" cannot delete resource "desktopclaims" in API group "kubevdi.io" in the namespace "${namespace()}"`,
    );
    expect((await refusal(claims('bob').getNamespacedCustomObject({ ...path, name: 'alice' }))).code).toBe(403);
    await eventually(async () =>
      expect(await claims('alice').getNamespacedCustomObject({ ...path, name: 'alice' })).toBeDefined(),
    );
    await claims('alice').deleteNamespacedCustomObject({ ...path, name: 'alice' });

    // Users cannot grant themselves anything: editing a pool is the admins' right.
    expect((await refusal(applyAs('alice')(pool({ users: ['alice', 'mallory'] })))).code).toBe(403);
  });
});
