// Which claims of a pool go beyond what their person may hold (maxDesktopsPerUser), and are marked
// Failed for good instead of waiting: a person with a limit of 1 who makes 15 claims gets one
// desktop and 14 Failed claims, not 15 Pending claims each with its own Role and RoleBinding.
//
// What counts, per person, in this order (the first `max` stay, the rest fail):
//   1. claims that hold a desktop now — never failed by the limit, even when it was lowered below
//      what they hold (their desktop goes back only when they are released);
//   2. then live claims oldest first (creation time, then name), so the first to ask is the first
//      served, and the same claims win in every pass and after every restart.
// What does not count: claims being deleted (their desktop is on its way back; a new claim waits
// for it as Pending rather than failing), released claims (records) and Failed claims (terminal).
// A claim that once stayed within the limit can never be pushed out by a later one: a later
// claim is newer, and one that holds a desktop ranks first.
// Pure: the claim controller writes the verdicts.

export interface LimitedClaim {
  name: string;
  uid: string;
  user: string;
  /** creationTimestamp in ms. */
  created: number;
  /** Not deleting, released or failed. */
  live: boolean;
  /** Bound to a desktop (or being bound by this process). */
  holding: boolean;
}

export interface OverLimit {
  uid: string;
  name: string;
  message: string;
}

export function claimsOverLimit(claims: readonly LimitedClaim[], max: number, pool: string): OverLimit[] {
  const byUser = new Map<string, LimitedClaim[]>();
  for (const claim of claims) {
    if (!claim.live) continue;
    byUser.set(claim.user, [...(byUser.get(claim.user) ?? []), claim]);
  }
  const over: OverLimit[] = [];
  for (const [user, mine] of byUser) {
    const ranked = [...mine].sort(
      (a, b) => Number(b.holding) - Number(a.holding) || a.created - b.created || a.name.localeCompare(b.name),
    );
    const kept = ranked.filter((c, i) => c.holding || i < max);
    const holds = kept.filter((c) => c.holding).length;
    for (const claim of ranked.filter((c) => !kept.includes(c))) {
      const what =
        holds === kept.length
          ? `holds ${kept.length} desktop${kept.length === 1 ? '' : 's'} of pool ${pool}`
          : `has ${kept.length} claim${kept.length === 1 ? '' : 's'} on pool ${pool} (${kept.map((c) => c.name).join(', ')})`;
      over.push({
        uid: claim.uid,
        name: claim.name,
        message: `${user} already ${what}, the most it allows (maxDesktopsPerUser ${max}); release one and claim again`,
      });
    }
  }
  return over;
}
