// Which desktop each claim of a pool gets, decided from what the pool's desktops and claims are
// now. Pure: the claim controller carries it out with resourceVersion preconditions, so a plan
// made from a stale cache fails safely instead of binding a desktop twice.

export interface ClaimState {
  name: string;
  uid: string;
  user: string;
  /** Being deleted: its desktop is released. */
  deleting: boolean;
  /** Ended by a session policy (logoff, idle): it keeps no desktop and gets none. */
  released?: boolean;
}

export interface SeatState {
  name: string;
  index: number;
  /** The user the desktop is assigned to (a Manual pool keeps this after the claim ends). */
  holder?: string;
  /** The claim (uid) it is bound to now. */
  claimUid?: string;
  ready: boolean;
  running: boolean;
  onTargetRevision: boolean;
  /** Being deleted or not yet usable (reset in progress). */
  unusable: boolean;
  /**
   * Runs on a node in maintenance: handed to nobody new (it is about to move). Its own holder in a
   * Manual pool still gets it back: it is theirs wherever it runs.
   */
  onMaintenanceNode?: boolean;
}

export interface ClaimPlanInput {
  /** Oldest first: the first to ask is the first served. */
  claims: readonly ClaimState[];
  desktops: readonly SeatState[];
  maxDesktopsPerUser: number;
}

export type ClaimDecision =
  | { claim: string; kind: 'bound'; desktop: string }
  | { claim: string; kind: 'bind'; desktop: string }
  | {
      claim: string;
      kind: 'pending';
      reason: 'PoolExhausted' | 'UserLimitReached' | 'DesktopResetting';
      message: string;
    };

export function planClaims(input: ClaimPlanInput): ClaimDecision[] {
  const byClaim = new Map(input.desktops.filter((d) => d.claimUid).map((d) => [d.claimUid as string, d]));
  const taken = new Set(input.desktops.filter((d) => d.claimUid).map((d) => d.name));
  // Desktops each user holds or is being given in this pass, for maxDesktopsPerUser.
  const perUser = new Map<string, Set<string>>();
  const hold = (user: string, desktop: string) => perUser.set(user, (perUser.get(user) ?? new Set()).add(desktop));
  for (const d of input.desktops) if (d.holder && d.claimUid) hold(d.holder, d.name);

  const decisions: ClaimDecision[] = [];
  for (const claim of input.claims) {
    if (claim.deleting || claim.released) continue;
    const bound = byClaim.get(claim.uid);
    if (bound) {
      decisions.push({ claim: claim.name, kind: 'bound', desktop: bound.name });
      continue;
    }
    // A Manual pool's desktop stays with its user for good: they get it back, nobody else does.
    const own = input.desktops.find((d) => d.holder === claim.user && !d.claimUid && !d.unusable);
    const resetting = input.desktops.find((d) => d.holder === claim.user && !d.claimUid && d.unusable);
    if (!own && resetting) {
      // Their own desktop is being reset (or remade): they wait for it rather than take a second one.
      decisions.push({
        claim: claim.name,
        kind: 'pending',
        reason: 'DesktopResetting',
        message: `desktop ${resetting.name} of ${claim.user} is being reset to a fresh disk; the claim is bound as soon as it is done`,
      });
      continue;
    }
    if (own) {
      taken.add(own.name);
      hold(claim.user, own.name);
      decisions.push({ claim: claim.name, kind: 'bind', desktop: own.name });
      continue;
    }
    if ((perUser.get(claim.user)?.size ?? 0) >= input.maxDesktopsPerUser) {
      decisions.push({
        claim: claim.name,
        kind: 'pending',
        reason: 'UserLimitReached',
        // Within the limit by its claims (claim-limits.ts), but a desktop of a claim being
        // deleted is not back yet: the claim waits for it.
        message: `${claim.user} still holds ${input.maxDesktopsPerUser} desktop(s) of this pool, the most maxDesktopsPerUser allows, while one is being given back; the claim is bound as soon as it is`,
      });
      continue;
    }
    const free = input.desktops
      .filter((d) => !d.holder && !d.claimUid && !d.unusable && !d.onMaintenanceNode && !taken.has(d.name))
      .sort(byPreference);
    const pick = free[0];
    if (!pick) {
      decisions.push({
        claim: claim.name,
        kind: 'pending',
        reason: 'PoolExhausted',
        message: input.desktops.some((d) => !d.holder && !d.claimUid && d.onMaintenanceNode)
          ? 'every free desktop of the pool runs on a node in maintenance and is being moved; the claim is bound as soon as one is ready elsewhere'
          : `all desktops of the pool are in use or being prepared; the claim is bound as soon as one is free`,
      });
      continue;
    }
    taken.add(pick.name);
    hold(claim.user, pick.name);
    decisions.push({ claim: claim.name, kind: 'bind', desktop: pick.name });
  }
  return decisions;
}

/** A ready, prestarted desktop on the newest revision first; then running ones; then halted; lowest index. */
function byPreference(a: SeatState, b: SeatState): number {
  const score = (d: SeatState) => [Number(!d.ready), Number(!d.onTargetRevision), Number(!d.running), d.index];
  const [x, y] = [score(a), score(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}
