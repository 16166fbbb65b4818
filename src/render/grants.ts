// The grant of a claim's user, limited by resourceNames: their own claim (read, watch, release,
// mark activity; nobody else's, so users do not see who works where), and while it is bound its desktop —
// RHEV's UserVmManager on one VM: exactly what they need to use it, and nothing else. Pure.

import type { V1PolicyRule, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { CLAIMS } from '../api/desktopclaim.js';
import { VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from '../api/kubernetes-kinds.js';
import { LABELS, MANAGED_BY } from '../api/labels.js';
import { API_VERSION, GROUP } from '../api/meta.js';

export interface GrantInput {
  claim: { name: string; namespace: string; uid: string };
  pool: string;
  user: string;
  /** The bound desktop; none while the claim waits or after it was released. */
  desktop?: string;
}

export function grantName(claim: string): string {
  return `kubevdi-claim-${claim}`;
}

export function renderGrantRole(input: GrantInput): V1Role {
  const ownClaim: V1PolicyRule = {
    apiGroups: [GROUP],
    resources: [CLAIMS.plural],
    resourceNames: [input.claim.name],
    // patch: only its activity annotation and its console records, as the admission policy checks.
    verbs: ['get', 'list', 'watch', 'delete', 'patch'],
  };
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(input),
    rules: input.desktop ? [ownClaim, ...desktopRules(input.desktop)] : [ownClaim],
  };
}

function desktopRules(desktop: string): V1PolicyRule[] {
  const one = [desktop];
  return [
    {
      apiGroups: [VIRTUAL_MACHINES.group],
      resources: [VIRTUAL_MACHINES.plural, VIRTUAL_MACHINE_INSTANCES.plural],
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
  ];
}

export function renderGrantBinding(input: GrantInput): V1RoleBinding {
  const { claim, user } = input;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    // Which desktop is the Role's business: the binding stays the same from logon to logoff.
    metadata: meta({ ...input, desktop: undefined }),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: grantName(claim.name) },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
}

function meta({ claim, pool, desktop }: GrantInput) {
  return {
    name: grantName(claim.name),
    namespace: claim.namespace,
    labels: {
      [LABELS.managedBy]: MANAGED_BY,
      [LABELS.pool]: pool,
      ...(desktop ? { [LABELS.desktop]: desktop } : {}),
    },
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
