// What a pool does about nodes in maintenance (cordoned, or carrying kubevdi's maintenance taint),
// after RHEV's host maintenance mode and Azure Virtual Desktop's drain mode: nothing new is handed
// out there, free desktops leave first and never more at once than the pool's rollout budget, held
// desktops leave by live migration where KubeVirt says they can, and the others are restarted
// elsewhere only after their holder has been told when. Pure: the pool's desktops, where they run
// and what KubeVirt says of them are arguments; the controller carries the steps out and asks again
// at the next deadline.

/** A node in maintenance. */
export interface MaintenanceNode {
  name: string;
  /** When held desktops that cannot migrate are restarted, if the node says (its annotation). */
  deadline?: Date;
}

/** One desktop of the pool, as the maintenance plan needs to see it. */
export interface DesktopPlace {
  name: string;
  /** The node its instance runs on; undefined when it has no instance (halted, or not placed yet). */
  node: string | undefined;
  /** Bound to a claim: someone's session may be on it. */
  held: boolean;
  /** Its holder, for the people still working on a node. */
  holder?: string;
  /** A Persistent pool's desktop: its disk is someone's and is kept. */
  persistent: boolean;
  /** KubeVirt's LiveMigratable condition on its instance: true, false, or not said (undefined). */
  migratable: boolean | undefined;
  /** A live migration of it is under way (a VirtualMachineInstanceMigration not finished). */
  migrating: boolean;
  /** Its last migration failed: it is not tried again while on this node. */
  migrationFailed: boolean;
  /** Running and ready: a free desktop that is not is already unavailable (starting, moving). */
  ready: boolean;
  /** Its runStrategy asks for it to run. */
  running: boolean;
  /** Being deleted or reset already. */
  leaving: boolean;
  /** The maintenance deadline its holder was already told (the claim's countdown), if any. */
  toldDeadline?: Date;
}

export interface MaintenanceInput {
  /** The nodes in maintenance, by name. */
  nodes: ReadonlyMap<string, MaintenanceNode>;
  desktops: readonly DesktopPlace[];
  /** The rollout budget: free desktops that may be unavailable at once (maxUnavailable, at least 1). */
  budget: number;
  /** Desktops the pool should have that do not exist yet (one deleted to be made afresh, between the two). */
  missing?: number;
  /** Notice a holder gets before a desktop that cannot migrate is restarted, when the node sets none. */
  noticeMinutes: number;
  now: Date;
}

export type MaintenanceStep =
  /** A free Stateless desktop: deleted, and the pool makes it afresh on another node. */
  | { kind: 'recreate'; desktop: string; node: string }
  /** Live migration (a VirtualMachineInstanceMigration): the session goes on, on another node. */
  | { kind: 'migrate'; desktop: string; node: string }
  /** Stopped and started again, which places it on another node: free, or held past its deadline. */
  | { kind: 'restart'; desktop: string; node: string; held: boolean }
  /** Tell the holder: the desktop restarts for maintenance at `deadline` (save your work). */
  | { kind: 'warn'; desktop: string; node: string; deadline: Date };

/** What is left on one node in maintenance, for the Admin Portal and the pool's condition. */
export interface NodeProgress {
  node: string;
  /** The pool's desktops still running there. */
  remaining: string[];
  /** The people holding desktops there. */
  working: string[];
}

export interface MaintenancePlan {
  steps: MaintenanceStep[];
  /** Desktops not to bind to anyone: they run on a node in maintenance. */
  unbindable: Set<string>;
  progress: NodeProgress[];
  /** Free desktops waiting for the rollout budget. */
  waiting: number;
  /** When to look again without a change: the next deadline. */
  recheckAt?: Date;
}

const MINUTE_MS = 60_000;

export function planMaintenance(input: MaintenanceInput): MaintenancePlan {
  const { nodes, desktops, now } = input;
  const onMaintenance = (d: DesktopPlace): d is DesktopPlace & { node: string } =>
    d.node !== undefined && nodes.has(d.node) && d.running && !d.leaving;
  const there = desktops.filter(onMaintenance);
  const unbindable = new Set(there.map((d) => d.name));
  const progress = [...nodes.keys()].sort().map((node) => {
    const here = there.filter((d) => d.node === node);
    return {
      node,
      remaining: here.map((d) => d.name).sort(),
      working: [...new Set(here.flatMap((d) => (d.held && d.holder ? [d.holder] : [])))].sort(),
    };
  });

  const steps: MaintenanceStep[] = [];
  // Free desktops first, within the budget: every free desktop not ready is already unavailable,
  // whatever moved it (a move begun by an earlier pass, a start, a reset), and so is one not made
  // again yet.
  const unavailable =
    (input.missing ?? 0) + desktops.filter((d) => !d.held && (!d.ready || d.leaving || d.migrating)).length;
  let budget = Math.max(0, Math.max(1, input.budget) - unavailable);
  const free = there.filter((d) => !d.held && d.ready && !d.migrating).sort(byName);
  for (const d of free) {
    if (budget === 0) break;
    budget--;
    if (!d.persistent) steps.push({ kind: 'recreate', desktop: d.name, node: d.node });
    else if (d.migratable === true && !d.migrationFailed)
      steps.push({ kind: 'migrate', desktop: d.name, node: d.node });
    else steps.push({ kind: 'restart', desktop: d.name, node: d.node, held: false });
  }
  const waiting = free.length - steps.length;
  const freeLeft = there.some((d) => !d.held);

  // Held desktops: migrate once no free desktop is left to move (they go where the free ones left
  // room), no more at once than the budget; the others are told now and restarted at the deadline.
  let migrations = Math.max(1, input.budget) - there.filter((d) => d.held && d.migrating).length;
  const deadlines: number[] = [];
  for (const d of there.filter((x) => x.held && !x.migrating).sort(byName)) {
    if (d.migratable === true && !d.migrationFailed) {
      if (!freeLeft && migrations > 0) {
        migrations--;
        steps.push({ kind: 'migrate', desktop: d.name, node: d.node });
      }
      continue;
    }
    const deadline =
      d.toldDeadline ?? nodes.get(d.node)?.deadline ?? new Date(now.getTime() + input.noticeMinutes * MINUTE_MS);
    if (deadline.getTime() <= now.getTime()) {
      steps.push({ kind: 'restart', desktop: d.name, node: d.node, held: true });
    } else {
      steps.push({ kind: 'warn', desktop: d.name, node: d.node, deadline });
      deadlines.push(deadline.getTime());
    }
  }
  const recheck = deadlines.length > 0 ? new Date(Math.min(...deadlines)) : undefined;
  return { steps, unbindable, progress, waiting, ...(recheck ? { recheckAt: recheck } : {}) };
}

function byName(a: DesktopPlace, b: DesktopPlace): number {
  return a.name.localeCompare(b.name);
}
