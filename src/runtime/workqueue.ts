// The keyed work queue between event handlers and reconcile, with client-go's workqueue
// semantics: a key waits at most once (adds coalesce), is never reconciled by two workers at
// once, and if it is added while being reconciled it runs once more afterwards. Failures are
// retried with per-key exponential backoff; `requeueAfterMs` schedules time-based work.
//
// Nothing polls: workers are started by add() and by reconcile completions, and one timer is
// armed for the earliest delayed key only. That timer is unref'd: a queue with only future work
// does not keep the process alive (the informers' watches and the HTTP servers do).
import { exponentialDelayMs } from './backoff.js';
import { type Logger, silentLogger } from './log.js';
import type { Metrics } from './metrics.js';

export interface ReconcileResult {
  /** Reconcile this key again after this long (time-based work); also clears its error backoff. */
  requeueAfterMs?: number;
}

export interface WorkQueueOptions {
  /** Names the queue in metrics and logs: usually the controller's name. */
  name: string;
  /** Keys reconciled at the same time (never the same key twice); default 4. */
  workers?: number;
  /** First retry delay after an error; doubled per consecutive failure of that key. Default 5 ms. */
  baseDelayMs?: number;
  /** Cap of the retry delay; default 5 minutes. */
  maxDelayMs?: number;
  /**
   * A key added again sooner than this after its last reconcile started waits out the rest (adds
   * still coalesce). For keys whose reconcile costs O(children) and whose children change in
   * storms (a pool of 1000 desktops whose status KubeVirt writes one by one): at most one run per
   * interval instead of back to back, which held the event loop, lease renewals included. Default 0.
   */
  minIntervalMs?: number;
  metrics?: Metrics;
  log?: Logger;
}

// `void`, not `undefined`: a reconcile that is `async () => { ... }` with no result must fit.
// biome-ignore lint/suspicious/noConfusingVoidType: see above
type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export class WorkQueue {
  private readonly workers: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly log: Logger;

  /** Keys waiting for a worker, in arrival order (a Set keeps insertion order and dedupes). */
  private readonly queue = new Set<string>();
  /** Keys that need a reconcile: the waiting ones plus those added again while running. */
  private readonly dirty = new Set<string>();
  /** Keys being reconciled, with the promise of that run (stop() waits for them). */
  private readonly running = new Map<string, Promise<void>>();
  /**
   * Per key with consecutive failures: how many lengthened its backoff, and when the retry they
   * scheduled is due. Absent means none.
   */
  private readonly failures = new Map<string, { count: number; retryAt: number }>();
  private readonly delayed = new DelayedKeys();
  /** When each key's last reconcile started, while minIntervalMs may hold it back. */
  private readonly lastStarted = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private idleWaiters: (() => void)[] = [];
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(
    private readonly reconcile: Reconcile,
    private readonly options: WorkQueueOptions,
  ) {
    this.workers = options.workers ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    if (!(this.workers >= 1)) throw new Error(`work queue ${options.name}: workers must be at least 1`);
    this.log = (options.log ?? silentLogger).child({ queue: options.name });
  }

  /** Waiting keys (not those being reconciled or scheduled for later). */
  get length(): number {
    return this.queue.size;
  }

  add(key: string): void {
    if (this.state === 'stopped' || this.dirty.has(key)) return;
    const minInterval = this.options.minIntervalMs ?? 0;
    const started = this.lastStarted.get(key);
    if (minInterval > 0 && started !== undefined) {
      const wait = started + minInterval - now();
      if (wait > 0 && !this.running.has(key)) {
        this.delayed.schedule(key, started + minInterval);
        this.armTimer();
        return;
      }
      if (wait <= 0) this.lastStarted.delete(key);
    }
    this.dirty.add(key);
    // A running key is put back by its worker when it finishes, so it never runs twice at once.
    if (this.running.has(key)) return;
    this.queue.add(key);
    this.depthChanged();
    this.pump();
  }

  /** Adds `key` after `delayMs`; if it is already scheduled, the earlier time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.state === 'stopped') return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    this.delayed.schedule(key, now() + delayMs);
    this.armTimer();
  }

  start(): void {
    if (this.state === 'stopped') throw new Error(`work queue ${this.options.name} was stopped; make a new one`);
    this.state = 'started';
    this.armTimer();
    this.pump();
  }

  /** Takes no more keys (waiting and scheduled ones are dropped) and waits for the running reconciles. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
    this.queue.clear();
    this.dirty.clear();
    this.delayed.clear();
    this.lastStarted.clear();
    this.depthChanged();
    await Promise.all(this.running.values());
    this.settleIdle();
  }

  /** Resolves when no key waits, runs, or is due now. Keys scheduled for later do not count. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.settleIdle();
    });
  }

  /** Hands waiting keys to free workers. */
  private pump(): void {
    if (this.state !== 'started') return;
    while (this.running.size < this.workers) {
      const key = firstOf(this.queue);
      if (key === undefined) break;
      this.queue.delete(key);
      this.dirty.delete(key);
      if (this.options.minIntervalMs) this.lastStarted.set(key, now());
      // Marked running before the reconcile starts, and started on a microtask rather than inside
      // add(): an event handler's add() never runs a reconcile on its own stack, and a reconcile
      // that adds its own key finds it running.
      this.running.set(
        key,
        Promise.resolve(key).then((k) => this.process(k)),
      );
    }
    this.depthChanged();
  }

  private async process(key: string): Promise<void> {
    try {
      const result = await this.reconcile(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      this.failed(key, err);
    }
    this.running.delete(key);
    // Added again while it ran: it goes to the back of the line, now that no worker holds it
    // (or, under minIntervalMs, waits until the interval since this run's start is over).
    if (this.dirty.has(key) && this.state === 'started') {
      this.dirty.delete(key);
      this.add(key);
    }
    this.pump();
    this.settleIdle();
  }

  private failed(key: string, err: unknown): void {
    // The backoff grows with the time a key has been failing, not with how often it ran meanwhile:
    // a failure before the scheduled retry was due (an event ran the key again at once, as it
    // should) does not lengthen it. Counting those, an API server that refused everything for six
    // seconds after a restart (its RBAC not loaded yet) while events kept coming left a pool's key
    // at the five-minute cap, its new claims untouched long after the server was well again.
    const previous = this.failures.get(key) ?? { count: 0, retryAt: 0 };
    const early = now() < previous.retryAt;
    const count = early ? previous.count : previous.count + 1;
    const retryAt = early ? previous.retryAt : now() + exponentialDelayMs(count - 1, this.baseDelayMs, this.maxDelayMs);
    this.failures.set(key, { count, retryAt });
    this.options.metrics?.queueRetries.inc({ queue: this.options.name });
    const delayMs = Math.ceil(retryAt - now());
    this.log.warn({ key, err, failures: count, retryInMs: delayMs }, 'reconcile failed; retrying with backoff');
    this.addAfter(key, delayMs);
  }

  /** Keeps one timer, for the earliest scheduled key. */
  private armTimer(): void {
    if (this.state !== 'started') return;
    const due = this.delayed.earliest();
    if (due === undefined || due >= this.timerDue) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(due - now())));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
    for (const key of this.delayed.takeDue(now())) this.add(key);
    this.armTimer();
    this.settleIdle();
  }

  private depthChanged(): void {
    this.options.metrics?.queueDepth.set({ queue: this.options.name }, this.queue.size);
  }

  private settleIdle(): void {
    if (this.idleWaiters.length === 0) return;
    // Keys of a queue not started yet still wait; those of a stopped queue were dropped.
    const waiting = this.state !== 'stopped' && (this.queue.size > 0 || this.delayed.hasDue(now()));
    if (waiting || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Monotonic milliseconds: wall-clock jumps must not fire or hold back scheduled keys. */
function now(): number {
  return performance.now();
}

function firstOf<T>(set: Set<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}

/**
 * Keys scheduled for a time: a binary min-heap of (due, key) for the earliest one, and a map of
 * each key's current due time. Rescheduling earlier pushes a new entry; stale entries are
 * skipped when they surface, so every operation is O(log n).
 */
class DelayedKeys {
  private readonly dueOf = new Map<string, number>();
  private readonly heap: { due: number; key: string }[] = [];

  schedule(key: string, due: number): void {
    const current = this.dueOf.get(key);
    if (current !== undefined && current <= due) return;
    this.dueOf.set(key, due);
    this.push({ due, key });
  }

  earliest(): number | undefined {
    this.dropStale();
    return this.heap[0]?.due;
  }

  hasDue(at: number): boolean {
    const due = this.earliest();
    return due !== undefined && due <= at;
  }

  /** Removes and returns the keys due at or before `at`, earliest first. */
  takeDue(at: number): string[] {
    const keys: string[] = [];
    for (let due = this.earliest(); due !== undefined && due <= at; due = this.earliest()) {
      const { key } = this.pop();
      this.dueOf.delete(key);
      keys.push(key);
    }
    return keys;
  }

  clear(): void {
    this.dueOf.clear();
    this.heap.length = 0;
  }

  private dropStale(): void {
    for (let top = this.heap[0]; top && this.dueOf.get(top.key) !== top.due; top = this.heap[0]) this.pop();
  }

  private push(entry: { due: number; key: string }): void {
    const heap = this.heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (at(heap, parent).due <= at(heap, i).due) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  private pop(): { due: number; key: string } {
    const heap = this.heap;
    const top = at(heap, 0);
    const last = heap.pop() as { due: number; key: string };
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && at(heap, left).due < at(heap, smallest).due) smallest = left;
      if (right < heap.length && at(heap, right).due < at(heap, smallest).due) smallest = right;
      if (smallest === i) break;
      swap(heap, i, smallest);
      i = smallest;
    }
    return top;
  }
}

function at<T>(array: T[], index: number): T {
  return array[index] as T;
}

function swap<T>(array: T[], i: number, j: number): void {
  const tmp = at(array, i);
  array[i] = at(array, j);
  array[j] = tmp;
}
