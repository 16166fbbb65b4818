// Where the scheduler puts a VMI's virt-launcher pod, from the simulator's caches: a simulated node
// of this simulator's group (nodes.ts), or `--node-name` when the group has no nodes at all. Also
// remembers the placements it just made, so that VMIs scheduled in one burst spread over the nodes
// before the cache shows where the others went.
import type { Context } from './context.js';
import { type Node, nodeLoad, pickNode, unschedulableMessage } from './nodes.js';
import { timestamp } from './status.js';
import type { Condition, VirtualMachineInstance } from './types.js';

/** Placements made but not yet seen in the VMI cache: VMI uid → node, for 30 s at most. */
const recent = new Map<string, { node: string; until: number }>();

export function simulatedNodes(ctx: Pick<Context, 'nodes'>): Node[] {
  return ctx.nodes.list();
}

/** VMIs per node, counting placements the cache does not show yet. */
export function currentLoad(ctx: Pick<Context, 'vmis'>): Map<string, number> {
  const vmis = ctx.vmis.list();
  const load = nodeLoad(vmis);
  const now = Date.now();
  const placed = new Set(vmis.filter((v) => v.status?.nodeName).map((v) => v.metadata.uid));
  for (const [uid, p] of recent) {
    if (placed.has(uid) || now > p.until) recent.delete(uid);
    else load.set(p.node, (load.get(p.node) ?? 0) + 1);
  }
  return load;
}

export type Placement = { node: string } | { unschedulable: Condition };

export function place(ctx: Pick<Context, 'nodes' | 'vmis' | 'config'>, vmi: VirtualMachineInstance): Placement {
  const nodes = simulatedNodes(ctx);
  if (nodes.length === 0) return { node: ctx.config.nodeName };
  const node = pickNode(nodes, vmi, currentLoad(ctx));
  if (node) {
    recent.set(vmi.metadata.uid, { node: node.metadata.name, until: Date.now() + 30_000 });
    return { node: node.metadata.name };
  }
  const now = Date.now();
  // The launcher pod's PodScheduled condition, which virt-controller mirrors into the VMI.
  return {
    unschedulable: {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: unschedulableMessage(nodes, vmi),
      lastProbeTime: null,
      lastTransitionTime: timestamp(now),
    },
  };
}
