// A keyed work queue like client-go's: a key is never processed by two workers at once, a key added
// while it is being processed runs again afterwards, delayed adds keep the earliest deadline, and
// failures come back with per-key exponential backoff (capped low: this is a test tool).

export type Reconcile = (key: string) => Promise<void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: Array<() => void> = [];
  private shuttingDown = false;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly reconcile: Reconcile,
    private readonly onError: (key: string, err: unknown) => void,
    private readonly maxBackoffMs = 5000,
  ) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(50 * 2 ** n, this.maxBackoffMs));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  start(concurrency: number): void {
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
  }

  /** Stops taking work and waits for the reconciles in flight. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const wake of this.waiters.splice(0)) wake();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
        this.forget(key);
      } catch (err) {
        this.onError(key, err);
        this.addRateLimited(key);
      } finally {
        this.processing.delete(key);
        if (this.dirty.has(key) && !this.shuttingDown) {
          this.queue.push(key);
          this.waiters.shift()?.();
        }
      }
    }
  }

  private async next(): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.shuttingDown) return undefined;
    const key = this.queue.shift() as string;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
