// A pool's desktops around nodes in maintenance, read from the caches (maintenance-plan.ts decides):
// the pool controller carries out the moves of free desktops and the live migrations of held ones;
// the claim controller tells holders of desktops that cannot migrate when theirs restarts, and
// restarts it then. Both read the same plan from the same caches, so they agree.
import type { KubernetesObject } from '@kubernetes/client-node';
import { desktopFacts } from '../api/desktop-facts.js';
import type { DesktopClaim } from '../api/desktopclaim.js';
import { LABELS, MANAGED_BY } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { hashOf } from '../render/revisions.js';
import type { Recorder } from '../runtime/events.js';
import type { Logger } from '../runtime/log.js';
import type { MoveActions, PoolActions } from './actions.js';
import type { DesktopPlacement } from './desktop-placement.js';
import {
  type DesktopPlace,
  type MaintenanceNode,
  type MaintenancePlan,
  type MaintenanceStep,
  planMaintenance,
} from './maintenance-plan.js';
import { resolveMaxUnavailable } from './pool-plan.js';

type Desktop = KubernetesObject & Parameters<typeof desktopFacts>[0];
type Claim = DesktopClaim & KubernetesObject;

export interface PoolMaintenance {
  plan: MaintenancePlan;
  /** The instance uid of each desktop that has one (a restart deletes that instance only). */
  instanceUids: Map<string, string>;
}

/** The plan for one pool now, or undefined while no node is in maintenance. */
export function poolMaintenance(
  pool: VirtualDesktopPool & KubernetesObject,
  desktops: readonly Desktop[],
  claims: readonly Claim[],
  where: DesktopPlacement,
  now: Date,
  /** How many desktops the pool keeps now (the pool controller's intent): those missing count against the budget. */
  expectedDesktops?: number,
): PoolMaintenance | undefined {
  const inMaintenance = where.nodesInMaintenance();
  if (inMaintenance.size === 0) return undefined;
  const namespace = pool.metadata?.namespace as string;
  const told = new Map(
    claims.flatMap((c) => {
      const pending = c.status?.pendingAction;
      return pending?.reason === 'Maintenance' && c.metadata?.uid
        ? [[c.metadata.uid, new Date(pending.deadline)] as const]
        : [];
    }),
  );
  const instanceUids = new Map<string, string>();
  const places: DesktopPlace[] = desktops.map((vm) => {
    const facts = desktopFacts(vm);
    const place = where.place(namespace, facts.name);
    if (place.uid) instanceUids.set(facts.name, place.uid);
    const toldDeadline = facts.claimUid ? told.get(facts.claimUid) : undefined;
    return {
      name: facts.name,
      node: place.node,
      held: Boolean(facts.claimUid),
      ...(facts.holder ? { holder: facts.holder } : {}),
      persistent: pool.spec.persistence === 'Persistent',
      migratable: place.migratable,
      migrating: place.migrating,
      migrationFailed: place.migrationFailed,
      ready: facts.ready,
      running: facts.running,
      leaving: facts.deleting || facts.resetting,
      ...(toldDeadline ? { toldDeadline } : {}),
    };
  });
  const nodes = new Map<string, MaintenanceNode>(
    [...inMaintenance].map(([name, m]) => [name, { name, ...(m.deadline ? { deadline: m.deadline } : {}) }]),
  );
  const plan = planMaintenance({
    nodes,
    desktops: places,
    budget: resolveMaxUnavailable(pool.spec.updateStrategy.maxUnavailable, pool.spec.size),
    missing: Math.max(0, (expectedDesktops ?? 0) - desktops.length),
    noticeMinutes: pool.spec.maintenance.noticeMinutes,
    now,
  });
  return { plan, instanceUids };
}

/** The migration's name: one per desktop instance and node it leaves, so a pass that repeats it makes none. */
export function migrationName(desktop: string, node: string, instanceUid: string): string {
  return `${desktop}-leave-${hashOf(`${node}/${instanceUid}`, 8)}`;
}

export interface MoveDeps {
  actions: MoveActions & Pick<PoolActions, 'deleteDesktop'>;
  recorder: Recorder;
}

/**
 * Carries out the pool's part: free desktops recreated, migrated or restarted elsewhere, held ones
 * migrated. Warnings and held restarts are the claim controller's (`holderSteps`).
 */
export async function moveFreeAndMigrate(
  deps: MoveDeps,
  pool: VirtualDesktopPool & KubernetesObject,
  desktops: readonly Desktop[],
  maintenance: PoolMaintenance,
  log: Logger,
): Promise<void> {
  const namespace = pool.metadata?.namespace as string;
  const byName = new Map(desktops.map((d) => [d.metadata?.name as string, d]));
  for (const step of maintenance.plan.steps) {
    const vm = byName.get(step.desktop);
    const instanceUid = maintenance.instanceUids.get(step.desktop);
    if (!vm || !instanceUid) continue;
    // Only what this pass does is logged: a countdown (warn) stands in every pass's plan until its
    // deadline, and with dozens of people on a node a line for each, every pass, drowned the log.
    if (step.kind === 'recreate') {
      const uid = vm.metadata?.uid as string;
      if (
        await deps.actions.deleteDesktop(namespace, step.desktop, {
          uid,
          resourceVersion: vm.metadata?.resourceVersion,
        })
      )
        record(deps, pool, step, `free desktop ${step.desktop} is made afresh on another node`);
    } else if (step.kind === 'migrate') {
      await deps.actions.migrateDesktop(namespace, step.desktop, migrationName(step.desktop, step.node, instanceUid), {
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.pool]: pool.metadata?.name as string,
      });
      record(deps, pool, step, `desktop ${step.desktop} migrates live to another node`);
    } else if (step.kind === 'restart' && !step.held) {
      await deps.actions.restartDesktop(namespace, step.desktop, instanceUid);
      record(deps, pool, step, `free desktop ${step.desktop} cannot migrate; it is restarted on another node`);
    } else continue;
    log.info({ desktop: step.desktop, node: step.node, step: step.kind }, 'leaving a node in maintenance');
  }
}

function record(deps: MoveDeps, pool: KubernetesObject, step: MaintenanceStep, what: string): void {
  deps.recorder.record(pool, 'Normal', 'LeavingNode', `node ${step.node} is in maintenance: ${what}`);
}

/** What a pool's condition says of maintenance: what is left where, and who still works there. */
export function maintenanceMessage(plan: MaintenancePlan): string {
  const nodes = plan.progress
    .filter((p) => p.remaining.length > 0)
    .map((p) => {
      const people = p.working.length ? ` (in use by ${p.working.join(', ')})` : '';
      return `${p.remaining.length} on ${p.node}${people}`;
    });
  if (nodes.length === 0) return 'no desktop of the pool runs on a node in maintenance';
  const waiting = plan.waiting ? `; ${plan.waiting} free waiting for the rollout budget` : '';
  return `desktops still to move off nodes in maintenance: ${nodes.join(', ')}${waiting}`;
}
