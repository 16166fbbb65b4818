// A pool's `access` as RBAC — who is entitled to take desktops from it: a Role granting the
// custom verb `use` on that one pool, bound to the listed users and groups, owned by the pool.
// The claim admission policy asks the API server's authorizer for `use`, so any RoleBinding a
// platform team writes in Git works the same way. Nothing beyond `use` of this pool can be
// granted through `access`. Pure.

import type { RbacV1Subject, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { POOLS } from '../api/virtualdesktoppool.js';
import { poolOwnerReference } from './owner.js';

export function entitlementName(pool: string): string {
  return `kubevdi-pool-${pool}-users`;
}

export function renderEntitlementRole(pool: VirtualDesktopPool): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(pool),
    rules: [
      {
        apiGroups: [POOLS.group],
        resources: [POOLS.plural],
        resourceNames: [pool.metadata.name as string],
        verbs: ['use'],
      },
    ],
  };
}

export function renderEntitlementBinding(pool: VirtualDesktopPool): V1RoleBinding {
  const subjects: RbacV1Subject[] = [
    ...pool.spec.access.users.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
    ...pool.spec.access.groups.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name })),
  ];
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(pool),
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: entitlementName(pool.metadata.name as string),
    },
    subjects,
  };
}

function meta(pool: VirtualDesktopPool) {
  const name = pool.metadata.name as string;
  return {
    name: entitlementName(name),
    namespace: pool.metadata.namespace as string,
    labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.pool]: name },
    ownerReferences: [poolOwnerReference({ name, uid: pool.metadata.uid as string })],
  };
}
