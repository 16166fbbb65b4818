// The simulated nodes: real `v1/Node` objects that no kubelet runs. With `--nodes N` the simulator
// creates `<group>-1` … `<group>-N` (if absent) labelled `simulator.kubevdi.io/node-group: <group>`,
// and places VMIs only on nodes carrying that label, so simulators side by side (tests on one
// control plane) never share nodes; a test may add or remove nodes of the group at any time.
// Without `--nodes` (0), there are no Node objects: every VMI runs on `--node-name`, as before.
// No kubelet runs and kube-controller-manager runs no node lifecycle controller here, so the
// simulator takes the `node.kubernetes.io/not-ready` taint the API server puts on new nodes off
// its group's Ready nodes, as that controller would (evacuation.ts reconcileNode).
//
// Placement is what the scheduler would decide for a virt-launcher pod, reduced to what matters
// for desktops: a node is a candidate unless it is cordoned (`spec.unschedulable`) or carries a
// NoSchedule/NoExecute taint the VMI does not tolerate, and matches the VMI's nodeSelector; among
// candidates the one running the fewest VMIs wins (then by name), a spread like the scheduler's
// balanced scoring. Pure functions, apart from `ensureNodes`.
import type { Api } from './kube.js';
import type { KubeObject, VirtualMachineInstance } from './types.js';

export const NODE_GROUP_LABEL = 'simulator.kubevdi.io/node-group';
/** KubeVirt's default `nodeDrainTaintKey`: virt-controller's evacuation controller migrates VMIs off such a node. */
export const KUBEVIRT_DRAIN_TAINT = 'kubevirt.io/drain';
/** The simulator's stand-in for `kubectl drain` evicting the node's virt-launcher pods (README, "Nodes"). */
export const SIMULATED_DRAIN_TAINT = 'simulator.kubevdi.io/drain';

/** Put on every new Node by the API server's TaintNodesByCondition admission; taken off once the node is Ready. */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** A Node as the cache holds it (cluster-scoped: `metadata.namespace` is absent, its cache key `/name`). */
export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export function nodeTaints(node: Node): Taint[] {
  return node.spec?.taints ?? [];
}

export function hasTaint(node: Node, key: string): boolean {
  return nodeTaints(node).some((t) => t.key === key);
}

/** The scheduler's TaintToleration filter (v1.Toleration.ToleratesTaint). */
export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

export type Unfit = 'unschedulable' | { taint: Taint } | 'selector';

/** Why the VMI's launcher pod cannot go to this node, or undefined when it can. */
export function unfit(node: Node, vmi: Pick<VirtualMachineInstance, 'spec'>): Unfit | undefined {
  // A cordoned node carries node.kubernetes.io/unschedulable:NoSchedule, which pods do not tolerate.
  if (node.spec?.unschedulable) return 'unschedulable';
  const tolerations = (vmi.spec.tolerations as Toleration[] | undefined) ?? [];
  const blocking = nodeTaints(node).find(
    (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t),
  );
  if (blocking) return { taint: blocking };
  const selector = (vmi.spec.nodeSelector as Record<string, string> | undefined) ?? {};
  const labels = node.metadata.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return 'selector';
  return undefined;
}

/**
 * The node a new launcher pod of this VMI goes to: the fitting node with the fewest VMIs (`load`
 * counts them by node name), ties by name. `exclude` leaves out e.g. a migration's source node.
 */
export function pickNode(
  nodes: Node[],
  vmi: Pick<VirtualMachineInstance, 'spec'>,
  load: Map<string, number>,
  exclude?: string,
  extraSelector: Record<string, string> = {},
): Node | undefined {
  const spec = { ...vmi.spec, nodeSelector: { ...(vmi.spec.nodeSelector as object | undefined), ...extraSelector } };
  return nodes
    .filter((n) => n.metadata.name !== exclude && unfit(n, { spec }) === undefined)
    .sort(
      (a, b) =>
        (load.get(a.metadata.name) ?? 0) - (load.get(b.metadata.name) ?? 0) ||
        a.metadata.name.localeCompare(b.metadata.name),
    )[0];
}

/**
 * The scheduler's FailedScheduling message, as it lands in the launcher pod's PodScheduled
 * condition (and so in the VMI's): `0/3 nodes are available: 1 node(s) had untolerated taint
 * {kubevirt.io/drain: }, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3
 * Preemption is not helpful for scheduling.`
 */
export function unschedulableMessage(nodes: Node[], vmi: Pick<VirtualMachineInstance, 'spec'>): string {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const why = unfit(node, vmi);
    if (why === undefined) continue;
    const text =
      why === 'unschedulable'
        ? 'node(s) were unschedulable'
        : why === 'selector'
          ? "node(s) didn't match Pod's node affinity/selector"
          : `node(s) had untolerated taint {${why.taint.key}: ${why.taint.value ?? ''}}`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const n = nodes.length;
  const reasons = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([text, count]) => `${count} ${text}`)
    .join(', ');
  return `0/${n} nodes are available${reasons ? `: ${reasons}` : ''}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;
}

/**
 * The node lifecycle controller's part for a node whose kubelet reports Ready: the taints without
 * `node.kubernetes.io/not-ready`; undefined when there is nothing to take off (or it is not Ready).
 */
export function readyTaints(node: Node): Taint[] | undefined {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const taints = nodeTaints(node);
  if (!ready || !taints.some((t) => t.key === NOT_READY_TAINT)) return undefined;
  return taints.filter((t) => t.key !== NOT_READY_TAINT);
}

/** How many VMIs (not final, not gone) each node runs, from their status.nodeName. */
export function nodeLoad(vmis: VirtualMachineInstance[]): Map<string, number> {
  const load = new Map<string, number>();
  for (const vmi of vmis) {
    const node = vmi.status?.nodeName;
    const phase = vmi.status?.phase;
    if (!node || phase === 'Succeeded' || phase === 'Failed') continue;
    load.set(node, (load.get(node) ?? 0) + 1);
  }
  return load;
}

export function nodeNames(group: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${group}-${i + 1}`);
}

/** A Node as a kubelet would register it, enough for kubectl and for the operator to read. */
export function nodeManifest(name: string, group: string): object {
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        [NODE_GROUP_LABEL]: group,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        // What virt-handler labels a node with once it serves VMs there.
        'kubevirt.io/schedulable': 'true',
      },
    },
    spec: {},
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status (simulated)',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      capacity: { cpu: '64', memory: '256Gi', pods: '250', 'devices.kubevirt.io/kvm': '1k' },
      allocatable: { cpu: '64', memory: '256Gi', pods: '250', 'devices.kubevirt.io/kvm': '1k' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'kubevdi simulated node',
        kernelVersion: '6.12.0',
        kubeletVersion: 'v1.34.0',
        kubeProxyVersion: '',
        containerRuntimeVersion: 'containerd://2.1.0',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}

/** Creates the group's nodes that do not exist yet (never touches existing ones: a test may have cordoned them). */
export async function ensureNodes(api: Api, group: string, count: number): Promise<void> {
  await Promise.all(nodeNames(group, count).map((name) => api.createNode(nodeManifest(name, group))));
}
