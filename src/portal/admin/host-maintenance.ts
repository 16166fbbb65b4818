// What the Hosts view says of a node in maintenance: why and until when, what is left to move off
// it (free desktops still there, held ones migrating, held ones whose people wait for the restart,
// held ones not on their way yet) and who still works there. Pure: from the node, the desktops'
// instances (where each runs, whether it migrates) and the claims (who holds what, and the
// countdown the operator gave them), all as the person may read them.
import { type InstanceObject, instancePlace } from '../../api/instance-place.js';
import { LABELS } from '../../api/labels.js';
import { type NodeObject, nodeMaintenance } from '../../api/node-maintenance.js';
import type { ClaimObject } from '../kube-objects.js';
import type { HostMaintenance, HostWorker } from './types.js';

/** A desktop's instance: where it runs, its pool, whether it is on its way. */
export type PlacedInstance = InstanceObject & {
  metadata?: { namespace?: string; labels?: Record<string, string> };
};

/** The node's maintenance, or undefined when it is not in maintenance. */
export function hostMaintenance(
  node: NodeObject,
  vmis: readonly PlacedInstance[],
  claims: readonly ClaimObject[],
): HostMaintenance | undefined {
  const state = nodeMaintenance(node);
  if (!state.inMaintenance) return undefined;
  const name = node.metadata?.name;
  const holders = new Map<string, ClaimObject>();
  for (const c of claims) {
    const desktop = c.status?.desktop?.name;
    if (desktop && c.status?.phase === 'Bound' && !c.metadata?.deletionTimestamp)
      holders.set(`${c.metadata?.namespace}/${desktop}`, c);
  }
  const left = { free: 0, migrating: 0, countdown: 0, other: 0 };
  const working: HostWorker[] = [];
  for (const vmi of vmis) {
    const pool = vmi.metadata?.labels?.[LABELS.pool];
    // kubevdi's desktops only, and not one already going (deleted to be made afresh elsewhere).
    if (!pool || vmi.metadata?.deletionTimestamp) continue;
    const place = instancePlace(vmi);
    if (place.node !== name) continue;
    const namespace = vmi.metadata?.namespace as string;
    const desktop = vmi.metadata?.name as string;
    const claim = holders.get(`${namespace}/${desktop}`);
    if (!claim) {
      left.free++;
      continue;
    }
    const pending = claim.status?.pendingAction;
    const countdown = pending?.action === 'Restart' && pending.reason === 'Maintenance' ? pending.deadline : undefined;
    const leaves: HostWorker['leaves'] = place.migrating ? 'migrating' : countdown ? 'countdown' : 'other';
    left[leaves]++;
    working.push({
      namespace,
      person: claim.spec?.user ?? '',
      desktop,
      pool,
      leaves,
      ...(leaves === 'countdown' && countdown ? { restartAt: countdown } : {}),
    });
  }
  working.sort(
    (a, b) =>
      a.person.localeCompare(b.person) || a.namespace.localeCompare(b.namespace) || a.desktop.localeCompare(b.desktop),
  );
  return {
    because: state.because ?? 'in maintenance',
    ...(state.deadline ? { deadline: state.deadline.toISOString() } : {}),
    left,
    working,
  };
}
