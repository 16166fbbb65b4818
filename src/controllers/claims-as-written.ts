// Claims as this process last wrote their status, for as long as the cache shows them as they
// were before that write. Without it, the pass that follows a bind (started by the bind's own
// watch events, before the claim's new status reaches the cache) decided the status again from
// the old one and wrote it a second time, with a new boundTime: one write in five of a logon
// storm (the Monday benchmark counted 2.3 status writes per bind).
import type { StatusWritten } from '../runtime/status.js';
import type { Claim } from './claim-handover.js';

/** Room for a storm's claims; the oldest memory goes first (its claim is long in the cache by then). */
const REMEMBERED = 10_000;

export class ClaimsAsWritten {
  /** claim uid → the resourceVersion the write was decided on, and the claim the API server returned. */
  private readonly written = new Map<string, { basis: string | undefined; claim: Claim }>();

  /** `before`: the claim the write was decided on; `after`: what the API server returned. */
  remember(before: Claim, after: StatusWritten): void {
    const uid = before.metadata?.uid;
    if (!uid) return;
    this.written.delete(uid);
    this.written.set(uid, { basis: before.metadata?.resourceVersion, claim: after as Claim });
    if (this.written.size > REMEMBERED) this.written.delete(this.written.keys().next().value as string);
  }

  /**
   * The claim to decide on: as written, while the cache still shows the version the write was
   * decided on; as cached once the cache shows any other (this write, or a later one by anyone).
   */
  view(cached: Claim): Claim {
    const uid = cached.metadata?.uid;
    const written = uid ? this.written.get(uid) : undefined;
    if (!written) return cached;
    if (written.basis === cached.metadata?.resourceVersion) return written.claim;
    this.written.delete(uid as string);
    return cached;
  }
}
