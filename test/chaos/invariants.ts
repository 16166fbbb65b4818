// The invariants a chaos campaign holds kubevdi to, as pure functions of what the API server
// shows (state.ts) and what the campaign asked for. Two sets:
//   - safety: true at every instant, even right after a SIGKILL mid-write — a desktop named for
//     its index and owned by its pool, a desktop bound to a claim that exists, a grant whose claim
//     exists, no desktop named by two bound claims;
//   - convergence: true once the operator has caught up — no claim lost, every bindable claim
//     bound to a desktop that says so, grants exactly for live claims, deleted claims gone, pool
//     status matching its desktops.
// Each returns how many individual checks it made and the violations, in words.
import { CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION } from '../../src/api/annotations.js';
import { LABELS } from '../../src/api/labels.js';
import { parseDesktopIndex } from '../../src/render/names.js';
import type { NamespaceState } from './state.js';

export interface Verdict {
  checks: number;
  violations: string[];
}

export interface Expected {
  /** Claims the campaign created and did not delete, by name: none may be lost, each must end Bound. */
  live: ReadonlyMap<string, { pool: string; user: string }>;
  /** Claims the campaign deleted: each must be gone once converged. */
  deleted: ReadonlySet<string>;
  /** Each pool's size as the campaign last set it. */
  sizes: ReadonlyMap<string, number>;
}

/**
 * The one violation the campaigns found (docs/CHAOS.md, "orphaned binding"): a claim deleted just
 * after it was bound, while the operator's desktop cache lagged, is finalized without giving its
 * desktop back. Named in the violation, so a failing run points at it.
 */
const ORPHANED = ' [finding orphaned-binding, docs/CHAOS.md]';

class Tally implements Verdict {
  checks = 0;
  violations: string[] = [];
  check(ok: boolean, violation: () => string): void {
    this.checks++;
    if (!ok) this.violations.push(violation());
  }
}

export function checkSafety(state: NamespaceState): Verdict {
  const t = new Tally();
  safety(state, t);
  return t;
}

export function checkConverged(state: NamespaceState, expected: Expected): Verdict {
  const t = new Tally();
  safety(state, t);
  convergence(state, expected, t);
  return t;
}

function safety(state: NamespaceState, t: Tally): void {
  const pools = new Map(state.pools.map((p) => [p.meta.name, p]));
  const claimUids = new Set(state.claims.map((c) => c.meta.uid));
  for (const vm of state.vms) {
    const poolName = vm.meta.labels[LABELS.pool];
    const pool = poolName ? pools.get(poolName) : undefined;
    t.check(pool !== undefined, () => `desktop ${vm.meta.name} belongs to no pool (label ${poolName})`);
    if (!pool) continue;
    t.check(
      parseDesktopIndex(pool.meta.name, vm.meta.name) !== undefined,
      () => `desktop ${vm.meta.name} of pool ${pool.meta.name} is not named <pool>-<index>`,
    );
    t.check(
      vm.meta.ownerUids.includes(pool.meta.uid),
      () => `desktop ${vm.meta.name} has no owner reference to its pool ${pool.meta.name} (${pool.meta.uid})`,
    );
    const boundTo = vm.meta.annotations[CLAIM_UID_ANNOTATION];
    if (boundTo && !vm.meta.deleting) {
      t.check(
        claimUids.has(boundTo),
        () => `desktop ${vm.meta.name} is bound to claim uid ${boundTo}, which is gone${ORPHANED}`,
      );
    }
  }
  for (const grant of state.grants) {
    t.check(
      grant.meta.ownerUids.some((uid) => claimUids.has(uid)),
      () => `${grant.kind} ${grant.meta.name} outlives its claim (owners ${grant.meta.ownerUids.join(',') || 'none'})`,
    );
  }
  const boundBy = new Map<string, string>();
  for (const claim of state.claims) {
    if (claim.meta.deleting || claim.phase !== 'Bound' || !claim.desktop) continue;
    const other = boundBy.get(claim.desktop);
    t.check(
      other === undefined,
      () => `desktop ${claim.desktop} is bound to two claims: ${other} and ${claim.meta.name}`,
    );
    boundBy.set(claim.desktop, claim.meta.name);
  }
}

function convergence(state: NamespaceState, expected: Expected, t: Tally): void {
  const claims = new Map(state.claims.map((c) => [c.meta.name, c]));
  const vms = new Map(state.vms.map((v) => [v.meta.name, v]));
  const liveUids = new Set<string>();
  for (const [name, want] of expected.live) {
    const claim = claims.get(name);
    t.check(claim !== undefined && !claim.meta.deleting, () => `claim ${name} was lost`);
    if (!claim) continue;
    liveUids.add(claim.meta.uid);
    t.check(
      claim.phase === 'Bound' && claim.desktop !== undefined,
      () => `claim ${name} (${want.user} in ${want.pool}) is ${claim.phase ?? 'without a phase'}, not Bound`,
    );
    if (!claim.desktop) continue;
    const vm = vms.get(claim.desktop);
    t.check(
      vm !== undefined && vm.meta.annotations[CLAIM_UID_ANNOTATION] === claim.meta.uid,
      () =>
        `claim ${name} says desktop ${claim.desktop}, but that desktop is bound to ${vm?.meta.annotations[CLAIM_UID_ANNOTATION] ?? 'nothing'}`,
    );
    t.check(
      vm?.meta.annotations[HOLDER_ANNOTATION] === want.user,
      () =>
        `desktop ${claim.desktop} of claim ${name} is held by ${vm?.meta.annotations[HOLDER_ANNOTATION]}, not ${want.user}`,
    );
    const role = state.grants.find((g) => g.kind === 'Role' && g.meta.ownerUids.includes(claim.meta.uid));
    const binding = state.grants.find((g) => g.kind === 'RoleBinding' && g.meta.ownerUids.includes(claim.meta.uid));
    t.check(
      role?.names.includes(claim.desktop) === true,
      () => `the grant of claim ${name} does not name its desktop ${claim.desktop}`,
    );
    t.check(
      binding?.names.length === 1 && binding.names[0] === want.user,
      () => `the grant of claim ${name} is not bound to ${want.user} alone`,
    );
  }
  for (const name of expected.deleted) {
    t.check(!claims.has(name), () => `deleted claim ${name} is still there (${claims.get(name)?.phase})`);
  }
  for (const grant of state.grants) {
    t.check(
      grant.meta.ownerUids.some((uid) => liveUids.has(uid)),
      () => `${grant.kind} ${grant.meta.name} is not the grant of a live claim`,
    );
  }
  for (const vm of state.vms) {
    const uid = vm.meta.annotations[CLAIM_UID_ANNOTATION];
    if (uid)
      t.check(liveUids.has(uid), () => `desktop ${vm.meta.name} is still bound to an ended claim (${uid})${ORPHANED}`);
  }
  for (const pool of state.pools) {
    const name = pool.meta.name;
    const desktops = state.vms.filter((v) => v.meta.labels[LABELS.pool] === name && !v.meta.deleting);
    const size = expected.sizes.get(name) ?? pool.size;
    t.check(desktops.length === size, () => `pool ${name} has ${desktops.length} desktops, not its size ${size}`);
    t.check(
      pool.status.observedGeneration === pool.meta.generation,
      () => `pool ${name} status observed generation ${pool.status.observedGeneration} of ${pool.meta.generation}`,
    );
    t.check(
      pool.status.desktops === desktops.length,
      () => `pool ${name} status says ${pool.status.desktops} desktops, it has ${desktops.length}`,
    );
    const held = desktops.filter((v) => v.meta.annotations[HOLDER_ANNOTATION]).length;
    t.check(
      pool.status.assigned === held,
      () => `pool ${name} status says ${pool.status.assigned} assigned, ${held} desktops are held`,
    );
  }
}
