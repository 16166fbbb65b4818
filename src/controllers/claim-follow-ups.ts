// What follows a bind — the claim's profile disk attached, its grant, then its status — is written
// while the pool's next claim reconcile goes on. The reconcile is keyed by pool so that no two
// passes hand out desktops at once; only the plan and the guarded bind need that. Without this, a
// claim arriving in a logon storm waited for every write of the claims bound just before it (the
// Monday benchmark: the wait before a claim's first write was most of its time).
// One follow-up per claim at a time. Whatever takes a claim's grant away (a release, a failure)
// waits for its follow-up first, so a grant is never written after it was removed. A follow-up's
// failure is handed to the pool's next reconcile, which throws it for the work queue's backoff.
import type { Key } from '../runtime/controller.js';

export class FollowUps {
  /** claim uid → its follow-up under way. */
  private readonly running = new Map<string, Promise<void>>();
  /** pool key → the first failure of a follow-up since its last reconcile. */
  private readonly failures = new Map<Key, { error: unknown }>();

  /** `settled`: told when a claim's follow-up ends, so its pool is looked at again (what it skipped meanwhile). */
  constructor(private readonly settled: (key: Key) => void = () => {}) {}

  /** Starts `work` for a claim of pool `key`, unless one is under way for it already. */
  start(key: Key, claimUid: string, work: () => Promise<void>): void {
    if (this.running.has(claimUid)) return;
    const done = work()
      .catch((error: unknown) => {
        if (!this.failures.has(key)) this.failures.set(key, { error });
      })
      .finally(() => {
        this.running.delete(claimUid);
        this.settled(key);
      });
    this.running.set(claimUid, done);
  }

  /** Is a follow-up of this claim under way? Its grant and status are its business until it ends. */
  underWay(claimUid: string): boolean {
    return this.running.has(claimUid);
  }

  /** Resolves once the claim has no follow-up under way (at once when it has none). */
  async after(claimUid: string): Promise<void> {
    await this.running.get(claimUid);
  }

  /** The first failure of the pool's follow-ups since the last call, or undefined. */
  takeFailure(key: Key): { error: unknown } | undefined {
    const failure = this.failures.get(key);
    this.failures.delete(key);
    return failure;
  }
}
