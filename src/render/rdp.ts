// The RDP Service of a desktop, for pools with `rdp.enabled`: a ClusterIP Service on port 3389
// that selects the desktop's VMI pod by kubevdi's own desktop label (KubeVirt's pod labels are
// reserved and version dependent). Owned by the pool, so it outlives a stateless desktop's
// reset under the same name. Pure.
import type { V1Service } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../api/labels.js';
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
