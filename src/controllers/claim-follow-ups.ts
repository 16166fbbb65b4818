// What follows a bind — the claim's profile disk attached, its grant, then its status — is written
// while the pool's next claim reconcile goes on. The reconcile is keyed by pool so that no two
// passes hand out desktops at once; only the plan and the guarded bind need that. Without this, a
// claim arriving in a logon storm waited for every write of the claims bound just before it (the
// Monday benchmark: the wait before a claim's first write was most of its time).
// One follow-up per claim at a time. Whatever takes a claim's grant away (a release, a failure)
// waits for its follow-up first, so a grant is never written after it was removed. A follow-up's
// failure is handed to the pool's next reconcile, which throws it for the work queue's backoff.
// At most `limit` run at once, first come first served: unbounded, a logon storm of a thousand
// had hundreds of follow-ups (each its own connection) sharing the API server, every one of them
// slow, where a bounded line finishes the first arrivals first (the Monday benchmark: p50 9 s
// from bind to ready, unbounded).
import type { Key } from '../runtime/controller.js';

/** Follow-ups running at once, across pools (this process's share of the API server). */
export const FOLLOW_UP_CONCURRENCY = 32;

export class FollowUps {
  /** claim uid → its follow-up under way (waiting for its turn, or running). */
  private readonly running = new Map<string, Promise<void>>();
  /** pool key → the first failure of a follow-up since its last reconcile. */
  private readonly failures = new Map<Key, { error: unknown }>();
  /** Follow-ups waiting for their turn, oldest first. */
  private readonly waiting: (() => void)[] = [];
  private active = 0;

  /**
   * `settled`: told when a claim's follow-up ends, so its pool is looked at again (what it skipped
   * meanwhile). `limit`: how many run at once.
   */
  constructor(
    private readonly settled: (key: Key) => void = () => {},
    private readonly limit = FOLLOW_UP_CONCURRENCY,
  ) {}

  /** Starts `work` for a claim of pool `key` when its turn comes, unless one is under way for it already. */
  start(key: Key, claimUid: string, work: () => Promise<void>): void {
    if (this.running.has(claimUid)) return;
    const run = async () => {
      try {
        await work();
      } catch (error) {
        if (!this.failures.has(key)) this.failures.set(key, { error });
      } finally {
        this.active--;
        this.waiting.shift()?.();
        this.running.delete(claimUid);
        this.settled(key);
      }
    };
    if (this.active < this.limit) {
      this.active++;
      this.running.set(claimUid, run());
      return;
    }
    const turn = new Promise<void>((resolve) =>
      this.waiting.push(() => {
        this.active++;
        resolve();
      }),
    );
    this.running.set(claimUid, turn.then(run));
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
