// The per-desktop grant of a bound claim — RHEV's UserVmManager on one VM: exactly what its user
// needs to use that desktop, limited by resourceNames to it, and nothing else. Pure.
import type { V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { API_VERSION } from '../api/meta.js';
import { LABELS, MANAGED_BY } from './labels.js';

export interface GrantInput {
  claim: { name: string; namespace: string; uid: string };
  pool: string;
  user: string;
  desktop: string;
}

export function grantName(claim: string): string {
  return `kubevdi-claim-${claim}`;
}

export function renderGrantRole(input: GrantInput): V1Role {
  const { desktop } = input;
  const one = [desktop];
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(input),
    rules: [
      {
        apiGroups: ['kubevirt.io'],
        resources: ['virtualmachines', 'virtualmachineinstances'],
        resourceNames: one,
        verbs: ['get', 'watch'],
      },
      {
        apiGroups: ['subresources.kubevirt.io'],
        resources: [
          'virtualmachineinstances/vnc',
          'virtualmachineinstances/console',
          'virtualmachineinstances/usbredir',
          'virtualmachineinstances/userlist',
          'virtualmachineinstances/guestosinfo',
        ],
        resourceNames: one,
        verbs: ['get'],
      },
      {
        apiGroups: ['subresources.kubevirt.io'],
        resources: [
          'virtualmachines/start',
          'virtualmachines/stop',
          'virtualmachines/restart',
          'virtualmachineinstances/softreboot',
        ],
        resourceNames: one,
        verbs: ['update'],
      },
    ],
  };
}

export function renderGrantBinding(input: GrantInput): V1RoleBinding {
  const { claim, user } = input;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(input),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: grantName(claim.name) },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
}

function meta({ claim, pool, desktop }: GrantInput) {
  return {
    name: grantName(claim.name),
    namespace: claim.namespace,
    labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.pool]: pool, [LABELS.desktop]: desktop },
    // Owned by the claim: if the operator is gone when a claim is deleted, the grant goes anyway.
    ownerReferences: [
      {
        apiVersion: API_VERSION,
        kind: 'DesktopClaim',
        name: claim.name,
        uid: claim.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}
