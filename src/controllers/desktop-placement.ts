// Where a pool's desktops run, read from the caches of VirtualMachineInstances and Nodes: the
// claim controller hands out no desktop on a node in maintenance, and the pool controller moves
// desktops off such nodes. Nodes change often (their status heartbeats), but only a change of
// maintenance concerns kubevdi: `onMaintenanceChange` tells of those alone.
import type { KubernetesObject } from '@kubernetes/client-node';
import { type InstanceObject, type InstancePlace, instancePlace } from '../api/instance-place.js';
import { type NodeMaintenance, type NodeObject, nodeMaintenance } from '../api/node-maintenance.js';
import type { Informer } from '../runtime/informer.js';

export type Instance = InstanceObject & KubernetesObject;
export type Node = NodeObject & KubernetesObject;

export interface DesktopPlacement {
  /** Where the desktop's instance runs, and whether it can move. */
  place(namespace: string, desktop: string): InstancePlace;
  /** The node's maintenance; a node the cache does not hold is not in maintenance. */
  maintenance(node: string): NodeMaintenance;
  /** The desktop runs on a node in maintenance. */
  onMaintenanceNode(namespace: string, desktop: string): boolean;
  /** Nodes in maintenance now, by name. */
  nodesInMaintenance(): Map<string, NodeMaintenance>;
}

export function desktopPlacement(instances: Informer<Instance>, nodes: Informer<Node>): DesktopPlacement {
  const maintenance = (node: string) => {
    const obj = nodes.get(undefined, node);
    return obj ? nodeMaintenance(obj) : { inMaintenance: false };
  };
  const place = (namespace: string, desktop: string) => {
    const vmi = instances.get(namespace, desktop);
    return instancePlace(vmi?.metadata?.deletionTimestamp ? undefined : vmi);
  };
  return {
    place,
    maintenance,
    onMaintenanceNode: (namespace, desktop) => {
      const node = place(namespace, desktop).node;
      return node !== undefined && maintenance(node).inMaintenance;
    },
    nodesInMaintenance: () =>
      new Map(
        nodes
          .list()
          .map((n) => [n.metadata?.name as string, nodeMaintenance(n)] as const)
          .filter(([, m]) => m.inMaintenance),
      ),
  };
}

/** Calls `changed` when a node goes into or out of maintenance, or its deadline changes. */
export function onMaintenanceChange(nodes: Informer<Node>, changed: () => void): void {
  const key = (n: Node | undefined) => {
    const m = n ? nodeMaintenance(n) : { inMaintenance: false };
    return `${m.inMaintenance}/${m.deadline?.getTime() ?? ''}`;
  };
  nodes.on('add', (n) => {
    if (nodeMaintenance(n).inMaintenance) changed();
  });
  nodes.on('update', (n, old) => {
    if (key(n) !== key(old)) changed();
  });
  nodes.on('delete', (n) => {
    if (nodeMaintenance(n).inMaintenance) changed();
  });
}
