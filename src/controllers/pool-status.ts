// A pool's status from its desktops: the counts and the Available / Progressing / Degraded
// conditions people and `kubectl wait` read. Pure.
import type { ConditionInput } from '../runtime/conditions.js';
import type { DesktopState, Plan } from './pool-plan.js';

export interface PoolCounts {
  desktops: number;
  ready: number;
  available: number;
  assigned: number;
  updated: number;
}

export function countDesktops(desktops: readonly DesktopState[], targetRevision: number): PoolCounts {
  const live = desktops.filter((d) => !d.deleting);
  return {
    desktops: live.length,
    ready: live.filter((d) => d.ready).length,
    // What a new claim can get now: nobody holds it, it runs and is ready, and it is up to date.
    available: live.filter((d) => !d.assigned && d.ready && d.revision === targetRevision).length,
    assigned: live.filter((d) => d.assigned).length,
    updated: live.filter((d) => d.revision === targetRevision).length,
  };
}

export interface PoolSituation {
  /** Desktops the pool keeps now. */
  size: number;
  /** The most it may have (spec.size), when growth on demand keeps fewer: it can still grow. */
  maxSize?: number;
  prestarted: number;
  paused: boolean;
  counts: PoolCounts;
  plan?: Plan;
  /** Desktops KubeVirt reports in an error state, with that state. */
  failing: readonly { name: string; status: string }[];
  /** Why the pool cannot make desktops at all (template missing or not ready), if so. */
  blocked?: {
    reason: string;
    message: string /** Expected to clear by itself soon: not Degraded. */;
    transient?: boolean;
  };
  /** The last pass's writes failed (and are retried with backoff): why, in one line. */
  failed?: string;
  /** The capacity schedule cannot be followed (a time zone the operator does not know): why. */
  scheduleProblem?: string;
  /** Nodes are in maintenance: what of the pool is left on them (pool-maintenance.ts). */
  maintenance?: { leaving: boolean; message: string };
}

export function poolConditions(s: PoolSituation): ConditionInput[] {
  return [available(s), progressing(s), degraded(s), leavingNodes(s)];
}

/** LeavingNodes: desktops of the pool still run on nodes in maintenance, and what is being done. */
function leavingNodes(s: PoolSituation): ConditionInput {
  if (s.maintenance?.leaving) return cond('LeavingNodes', 'True', 'NodesInMaintenance', s.maintenance.message);
  return cond(
    'LeavingNodes',
    'False',
    'NoneLeft',
    s.maintenance?.message ?? 'no desktop of the pool runs on a node in maintenance',
  );
}

function available(s: PoolSituation): ConditionInput {
  const { counts, size, prestarted } = s;
  const free = size - counts.assigned;
  // Growth on demand with room to grow: a claim gets a desktop made for it, as one in a fixed pool
  // gets a halted desktop started (slower than a warm one, but it gets one).
  if (free <= 0 && s.maxSize !== undefined && s.maxSize > size) {
    return cond(
      'Available',
      'True',
      'OnDemand',
      `desktops are made as they are claimed: ${counts.desktops} now, up to ${s.maxSize}`,
    );
  }
  if (size === 0) return cond('Available', 'False', 'NoDesktops', 'the pool has size 0');
  if (free <= 0) return cond('Available', 'False', 'PoolExhausted', `all ${size} desktops are held by users`);
  // The warm buffer is what makes a logon fast; without one, any idle desktop will do.
  const needed = Math.max(1, Math.min(prestarted, free));
  if (prestarted > 0 && counts.available >= needed) {
    return cond('Available', 'True', 'DesktopsReady', `${counts.available} desktops are ready for new users`);
  }
  if (prestarted === 0 && counts.desktops - counts.assigned > 0) {
    return cond(
      'Available',
      'True',
      'DesktopsIdle',
      `${counts.desktops - counts.assigned} idle desktops can be started for new users`,
    );
  }
  return cond('Available', 'False', 'WarmingUp', `${counts.available} of ${needed} prestarted desktops are ready`);
}

function progressing(s: PoolSituation): ConditionInput {
  const condition = progressingAsPlanned(s);
  if (!s.failed) return condition;
  return { ...condition, message: `${condition.message}; the last changes failed and are retried: ${s.failed}` };
}

function progressingAsPlanned(s: PoolSituation): ConditionInput {
  if (s.paused)
    return cond('Progressing', 'False', 'Paused', 'the pool is paused: desktops are not created, removed or updated');
  if (s.blocked) return cond('Progressing', 'False', s.blocked.reason, s.blocked.message);
  const plan = s.plan;
  if (plan?.create.length) return cond('Progressing', 'True', 'ScalingUp', `creating ${plan.create.length} desktops`);
  if (plan?.remove.length) return cond('Progressing', 'True', 'ScalingDown', `removing ${plan.remove.length} desktops`);
  const outdated = s.counts.desktops - s.counts.updated;
  if ((plan && plan.recreate.length > plan.refresh.length) || (outdated > s.counts.assigned && outdated > 0)) {
    return cond(
      'Progressing',
      'True',
      'RollingOut',
      `${s.counts.updated} of ${s.counts.desktops} desktops are on the new template revision`,
    );
  }
  if (plan?.refresh.length) {
    return cond(
      'Progressing',
      'True',
      'ReplacingWarmDesktops',
      `replacing ${plan.refresh.length} warm desktops nobody claimed within their time-to-live`,
    );
  }
  if (plan?.heldOverSize) {
    return cond(
      'Progressing',
      'True',
      'WaitingForRelease',
      `${plan.heldOverSize} desktops above size stay until their users release them`,
    );
  }
  if (s.counts.desktops < s.size)
    return cond('Progressing', 'True', 'ScalingUp', `${s.counts.desktops} of ${s.size} desktops exist`);
  const warm = Math.min(s.prestarted, s.size - s.counts.assigned);
  if (s.counts.available < warm)
    return cond(
      'Progressing',
      'True',
      'StartingDesktops',
      `${s.counts.available} of ${warm} prestarted desktops are ready`,
    );
  return cond(
    'Progressing',
    'False',
    'Complete',
    `${s.counts.desktops} desktops, ${s.counts.available} ready for new users`,
  );
}

function degraded(s: PoolSituation): ConditionInput {
  if (s.blocked && !s.blocked.transient) return cond('Degraded', 'True', s.blocked.reason, s.blocked.message);
  if (s.scheduleProblem) return cond('Degraded', 'True', 'ScheduleNotFollowed', s.scheduleProblem);
  if (s.failing.length > 0) {
    const shown = s.failing.slice(0, 5).map((f) => `${f.name} (${f.status})`);
    const more = s.failing.length > 5 ? ` and ${s.failing.length - 5} more` : '';
    return cond(
      'Degraded',
      'True',
      'DesktopsFailing',
      `${s.failing.length} desktops are failing: ${shown.join(', ')}${more}`,
    );
  }
  return cond('Degraded', 'False', 'AsExpected', 'no problems');
}

function cond(type: string, status: 'True' | 'False', reason: string, message: string): ConditionInput {
  return { type, status, reason, message };
}
