// What a pool with `rdp.enabled` adds beside its desktops. Pure.
// - Per desktop, an RDP Service: a ClusterIP Service on port 3389 that selects the desktop's VMI pod
//   by kubevdi's own desktop label (KubeVirt's pod labels are reserved and version dependent).
//   Owned by the pool, so it outlives a stateless desktop's reset under the same name.
// - Per pool, when the operator is told who may reach RDP (the portal, the CIDRs an administrator
//   names), a NetworkPolicy: port 3389 of the pool's desktops only from them. A policy that selects
//   a pod refuses every connection it does not allow, so the desktops' other ports stay open to
//   everyone (as without a policy): this one is about RDP only.
import type { V1NetworkPolicy, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1Service } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY, poolSelector } from '../api/labels.js';
import { poolOwnerReference } from './owner.js';

export const RDP_PORT = 3389;

/** `rdp-` first: Service names must start with a letter, pool (and so desktop) names need not. */
export function rdpServiceName(desktop: string): string {
  return `rdp-${desktop}`;
}

export function renderRdpService(pool: { name: string; namespace: string; uid: string }, desktop: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: rdpServiceName(desktop),
      namespace: pool.namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.pool]: pool.name, [LABELS.desktop]: desktop },
      ownerReferences: [poolOwnerReference(pool)],
    },
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.desktop]: desktop },
      ports: [{ name: 'rdp', protocol: 'TCP', port: RDP_PORT, targetPort: RDP_PORT }],
    },
  };
}

export function rdpNetworkPolicyName(pool: string): string {
  return `kubevdi-rdp-${pool}`;
}

export function renderRdpNetworkPolicy(
  pool: { name: string; namespace: string; uid: string },
  allowed: readonly V1NetworkPolicyPeer[],
): V1NetworkPolicy {
  const rdp: V1NetworkPolicyPort[] = ['TCP', 'UDP'].map((protocol) => ({ protocol, port: RDP_PORT }));
  const others: V1NetworkPolicyPort[] = ['TCP', 'UDP', 'SCTP'].flatMap((protocol) => [
    { protocol, port: 1, endPort: RDP_PORT - 1 },
    { protocol, port: RDP_PORT + 1, endPort: 65535 },
  ]);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: rdpNetworkPolicyName(pool.name),
      namespace: pool.namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.pool]: pool.name },
      ownerReferences: [poolOwnerReference(pool)],
    },
    spec: {
      podSelector: { matchLabels: poolSelector(pool.name) },
      policyTypes: ['Ingress'],
      ingress: [
        // Empty `allowed` allows nobody: RDP closed until someone is named.
        // `_from`: client-node's name for `from` (its serializer, which apply goes through, maps it).
        ...(allowed.length > 0 ? [{ _from: [...allowed], ports: rdp }] : []),
        { ports: others },
      ],
    },
  };
}
