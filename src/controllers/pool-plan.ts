// What a pool's desktops should become, decided from what they are: which indexes to create,
// which desktops to remove (scale-in) or recreate (new template revision), and which unassigned
// ones run. Pure: the pool controller turns the plan into API calls.

export interface DesktopState {
  name: string;
  index: number;
  /** Template revision the desktop was made from. */
  revision: number | undefined;
  /** A user holds it: never removed, never restarted or recreated by the pool. */
  assigned: boolean;
  /** Its runStrategy asks for it to run. */
  running: boolean;
  /** KubeVirt says it is running and ready. */
  ready: boolean;
  /** Being deleted (deletionTimestamp set). */
  deleting: boolean;
}

export interface PlanInput {
  size: number;
  prestarted: number;
  targetRevision: number;
  /** Stateless desktops are recreated for a new revision; Persistent ones keep their disk and are re-rendered in place. */
  persistence: 'Stateless' | 'Persistent';
  updateStrategy: 'OnRelease' | 'Manual';
  /** Desktops that may be unavailable at once because of the rollout (already resolved from a percentage). */
  maxUnavailable: number;
  desktops: readonly DesktopState[];
  /**
   * Idle desktops past capacity.warmTimeToLiveMinutes (warm-ttl.ts), oldest first: Stateless ones
   * are recreated fresh, after any on an old revision, within the same maxUnavailable budget.
   */
  expired?: readonly string[];
  /** At most this many creates and deletes per pass, so one pass never floods the API server. */
  maxChangesPerPass: number;
  /**
   * Scale-in waits for the rollout budget too: at most maxUnavailable desktops gone or going at
   * once (growth on demand removing surplus must never be faster than a rollout).
   */
  pacedRemovals?: boolean;
}

export interface Plan {
  /** Indexes to create, on the target revision. */
  create: number[];
  /** Desktops to remove because the pool is too big. */
  remove: string[];
  /** Idle desktops to delete now and create again on the target revision. */
  recreate: string[];
  /** Those of `recreate` that are there because they outlived the warm time-to-live, not for a revision. */
  refresh: string[];
  /** Desktops whose revision becomes the target in place (Persistent pools). */
  updateInPlace: string[];
  /** Unassigned desktops and whether they should run (prestarted) or be halted. */
  run: Map<string, boolean>;
  /** Desktops over `size` that stay because users hold them. */
  heldOverSize: number;
}

export function planPool(input: PlanInput): Plan {
  const live = input.desktops.filter((d) => !d.deleting);
  const deleting = input.desktops.filter((d) => d.deleting);
  const removalBudget = input.pacedRemovals
    ? Math.max(0, Math.max(1, input.maxUnavailable) - deleting.length)
    : input.maxChangesPerPass;
  const remove = chooseRemovals(live, input.size).slice(0, Math.min(removalBudget, input.maxChangesPerPass));
  const removed = new Set(remove);
  const kept = live.filter((d) => !removed.has(d.name));

  const outdated = kept.filter((d) => !d.assigned && d.revision !== input.targetRevision);
  const rollout = input.updateStrategy === 'OnRelease' ? outdated : [];
  const updateInPlace = input.persistence === 'Persistent' ? rollout.map((d) => d.name) : [];
  // Stateless: recreate, counting what is already unavailable (being deleted, or missing below size).
  const missing = Math.max(0, input.size - kept.length - deleting.length);
  const paced = input.pacedRemovals ? remove.length : 0; // removals share the budget then
  const budget = Math.max(0, Math.max(1, input.maxUnavailable) - deleting.length - missing - paced);
  const rolling = new Set(rollout.map((d) => d.name));
  const idleByName = new Map(kept.filter((d) => !d.assigned).map((d) => [d.name, d]));
  const expired = (input.expired ?? []).filter((name) => idleByName.has(name) && !rolling.has(name));
  const recreate =
    input.persistence === 'Stateless'
      ? [...rollout.sort(byPreferenceToRecreate).map((d) => d.name), ...expired].slice(0, budget)
      : [];

  // Names that are taken (including ones still being deleted) cannot be created again yet.
  const taken = new Set(input.desktops.map((d) => d.index));
  const create: number[] = [];
  const wanted = Math.min(missing, input.maxChangesPerPass);
  for (let index = 0; create.length < wanted; index++) if (!taken.has(index)) create.push(index);

  const recreating = new Set(recreate);
  const idle = kept.filter((d) => !d.assigned && !recreating.has(d.name));
  const run = chooseRunning(idle, input.prestarted, input.targetRevision);
  const heldOverSize = Math.max(0, live.length - remove.length - input.size);
  const expiredSet = new Set(expired);
  const refresh = recreate.filter((name) => expiredSet.has(name));
  return { create, remove, recreate, refresh, updateInPlace, run, heldOverSize };
}

/** Scale-in: unassigned desktops only; halted before running; the highest index first. */
function chooseRemovals(live: readonly DesktopState[], size: number): string[] {
  const excess = live.length - size;
  if (excess <= 0) return [];
  return live
    .filter((d) => !d.assigned)
    .sort((a, b) => Number(a.running) - Number(b.running) || b.index - a.index)
    .slice(0, excess)
    .map((d) => d.name);
}

/** Rollout order: halted before running (nobody waits for those), then the lowest index. */
function byPreferenceToRecreate(a: DesktopState, b: DesktopState): number {
  return Number(a.running) - Number(b.running) || a.index - b.index;
}

/**
 * Keeps `prestarted` idle desktops running. Those already running stay (a warm desktop is worth
 * keeping), preferring ones on the target revision and ready; others are started lowest index
 * first; the extra ones are halted.
 */
function chooseRunning(idle: readonly DesktopState[], prestarted: number, target: number): Map<string, boolean> {
  const score = (d: DesktopState) => [Number(!d.running), Number(d.revision !== target), Number(!d.ready), d.index];
  const ranked = [...idle].sort((a, b) => {
    const [x, y] = [score(a), score(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return 0;
  });
  return new Map(ranked.map((d, rank) => [d.name, rank < prestarted]));
}

/** `maxUnavailable` as a number of desktops: an integer, or a percentage of size rounded down. */
export function resolveMaxUnavailable(value: number | string, size: number): number {
  if (typeof value === 'number') return value;
  const percent = Number.parseInt(value, 10);
  return Math.floor((size * percent) / 100);
}
