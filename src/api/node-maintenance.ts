// When a node is in maintenance, as kubevdi reads it: cordoned (`kubectl cordon`, which sets
// spec.unschedulable), or carrying kubevdi's maintenance taint (for a team that marks nodes before
// it cordons them, or whose tooling cordons at the last moment). A node may also say by when held
// desktops that cannot migrate must be off it. Here in src/api because the operator and the Admin
// Portal's Hosts view both read it.

/** A taint (any effect) that puts a node in maintenance for kubevdi, as cordoning does. */
export const MAINTENANCE_TAINT = 'kubevdi.io/maintenance';
/** On a node: RFC 3339 time by which held desktops that cannot migrate are restarted elsewhere. */
export const MAINTENANCE_DEADLINE_ANNOTATION = 'kubevdi.io/maintenance-deadline';

/** The parts of a v1 Node this reads (client-node's V1Node fits). */
export interface NodeObject {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { key: string; effect?: string }[] };
}

export interface NodeMaintenance {
  inMaintenance: boolean;
  /** Why, in words: cordoned, or tainted. */
  because?: string;
  /** The node's deadline for held desktops, when it sets a valid one. */
  deadline?: Date;
}

export function nodeMaintenance(node: NodeObject): NodeMaintenance {
  const cordoned = node.spec?.unschedulable === true;
  const tainted = (node.spec?.taints ?? []).some((t) => t.key === MAINTENANCE_TAINT);
  if (!cordoned && !tainted) return { inMaintenance: false };
  const written = node.metadata?.annotations?.[MAINTENANCE_DEADLINE_ANNOTATION];
  const ms = written ? Date.parse(written) : Number.NaN;
  return {
    inMaintenance: true,
    because: cordoned ? 'cordoned' : `tainted ${MAINTENANCE_TAINT}`,
    ...(Number.isNaN(ms) ? {} : { deadline: new Date(ms) }),
  };
}
