// A desktop bound to a claim that no longer exists. Nothing else would ever free it: the pool
// controller never touches a held desktop, and the claim controller looked at desktops only
// through the claims that exist. It happens when a bind is written but its answer is lost (an
// API server or etcd restarting under the request) and the person deletes the claim before the
// desktop cache shows the bind, or when the operator restarts in between (the chaos campaign's
// etcd restarts found it: docs/CHAOS.md, orphaned-binding). Level-triggered repair: every pass
// looks for such desktops, and each is given back once a live read confirms its claim is gone.
import { type DesktopObject, desktopFacts } from '../api/desktop-facts.js';

export interface OrphanCandidate<D> {
  desktop: D;
  /** The claim it names, by name (to read it live) and uid (to tell it from one made anew under that name). */
  claim: string | undefined;
  claimUid: string;
  /** Who holds it: a Manual pool's desktop stays theirs when it goes back. */
  holder: string | undefined;
}

/**
 * Desktops the cache shows bound to a claim that is neither among the pool's claims in the cache
 * nor a bind of this process the claim cache may not show yet. Only candidates: a claim just made
 * (and bound by the replica before a failover) may be missing from this cache, so each is read
 * live before its desktop goes back.
 */
export function bindingsToConfirm<D extends DesktopObject & { metadata?: { uid?: string } }>(
  desktops: readonly D[],
  knownClaimUids: ReadonlySet<string>,
  bindsInFlight: ReadonlySet<string>,
  goneDesktopUids: ReadonlySet<string>,
): OrphanCandidate<D>[] {
  return desktops.flatMap((desktop) => {
    const facts = desktopFacts(desktop);
    if (!facts.claimUid || facts.deleting || goneDesktopUids.has(desktop.metadata?.uid ?? '')) return [];
    if (knownClaimUids.has(facts.claimUid) || bindsInFlight.has(facts.claimUid)) return [];
    return [{ desktop, claim: facts.claim, claimUid: facts.claimUid, holder: facts.holder }];
  });
}

/** Whether a live read of the named claim leaves the binding without its claim: none by that name, or another made since. */
export function isOrphaned(candidate: OrphanCandidate<unknown>, liveUid: string | undefined): boolean {
  return liveUid !== candidate.claimUid;
}
