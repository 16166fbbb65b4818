import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff, deadlineSignal, exponentialDelayMs, sleep } from '../../src/runtime/backoff.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { type ReconcileResult, WorkQueue, type WorkQueueOptions } from '../../src/runtime/workqueue.js';

/** A promise with its resolve, to hold a reconcile "in flight" until the test lets it go. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets microtasks (reconcile starts and completions) run, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** What a scripted reconcile does: return (or resolve to) a result or nothing, or throw. */
type Step = (key: string) => unknown;

/** A queue whose reconciles are recorded (key and fake-clock time) and scripted by `step`. */
function recordingQueue(step: Step = () => undefined, options: Partial<WorkQueueOptions> = {}) {
  const calls: { key: string; at: number }[] = [];
  let running = 0;
  let maxRunning = 0;
  const queue = new WorkQueue(
    async (key) => {
      calls.push({ key, at: Date.now() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        return (await step(key)) as ReconcileResult | undefined;
      } finally {
        running--;
      }
    },
    { name: 'test', ...options },
  );
  return {
    queue,
    calls,
    keys: () => calls.map((c) => c.key),
    get maxRunning() {
      return maxRunning;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('with minIntervalMs, runs a key at most once per interval, coalescing the adds meanwhile', async () => {
    const q = recordingQueue(() => undefined, { minIntervalMs: 250 });
    const t0 = Date.now();
    q.queue.start();
    q.queue.add('a');
    await settle();
    await vi.advanceTimersByTimeAsync(50);
    q.queue.add('a');
    q.queue.add('a');
    q.queue.add('b'); // other keys are not held back
    await settle();
    expect(q.calls.map((c) => [c.key, c.at - t0])).toEqual([
      ['a', 0],
      ['b', 50],
    ]);
    await vi.advanceTimersByTimeAsync(199);
    expect(q.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.calls.map((c) => [c.key, c.at - t0])).toEqual([
      ['a', 0],
      ['b', 50],
      ['a', 250],
    ]);
    // Long after: no waiting.
    await vi.advanceTimersByTimeAsync(1000);
    q.queue.add('a');
    await settle();
    expect(q.calls.at(-1)).toEqual({ key: 'a', at: t0 + 1250 });
  });

  it('coalesces adds of a waiting key into one reconcile', async () => {
    const q = recordingQueue();
    q.queue.add('a');
    q.queue.add('a');
    q.queue.add('b');
    q.queue.add('a');
    expect(q.queue.length).toBe(2);
    q.queue.start();
    await q.queue.idle();
    expect(q.keys()).toEqual(['a', 'b']);
    expect(q.queue.length).toBe(0);
  });

  it('never reconciles a key twice at once, and runs it once more if it was added meanwhile', async () => {
    const gate = deferred();
    const q = recordingQueue((key) => (key === 'a' && q.calls.length === 1 ? gate.promise : undefined));
    q.queue.start();
    q.queue.add('a');
    await settle();
    expect(q.keys()).toEqual(['a']);
    // Three adds while 'a' runs: none starts a second run now, together they make one more.
    q.queue.add('a');
    q.queue.add('a');
    q.queue.add('a');
    await settle();
    expect(q.keys()).toEqual(['a']);
    expect(q.queue.length).toBe(0);
    gate.resolve();
    await q.queue.idle();
    expect(q.keys()).toEqual(['a', 'a']);
    expect(q.maxRunning).toBe(1);
  });

  it('a reconcile that adds its own key runs again afterwards, not concurrently', async () => {
    let runs = 0;
    const q = recordingQueue((key) => {
      if (++runs < 3) q.queue.add(key);
    });
    q.queue.start();
    q.queue.add('self');
    await q.queue.idle();
    expect(q.keys()).toEqual(['self', 'self', 'self']);
    expect(q.maxRunning).toBe(1);
  });

  it('runs up to `workers` different keys at once (default 4)', async () => {
    const gate = deferred();
    const q = recordingQueue(() => gate.promise);
    q.queue.start();
    for (let i = 0; i < 10; i++) q.queue.add(`k${i}`);
    await settle();
    expect(q.calls).toHaveLength(4);
    expect(q.queue.length).toBe(6);
    gate.resolve();
    await q.queue.idle();
    expect(q.calls).toHaveLength(10);
    expect(q.maxRunning).toBe(4);

    const two = recordingQueue(() => gate.promise, { workers: 2 });
    two.queue.start();
    for (let i = 0; i < 5; i++) two.queue.add(`k${i}`);
    await two.queue.idle();
    expect(two.maxRunning).toBe(2);
  });

  it('retries a failing key with exponential backoff, capped, and counts the retries', async () => {
    const metrics = new Metrics();
    const q = recordingQueue(
      () => {
        throw new Error('boom');
      },
      { baseDelayMs: 10, maxDelayMs: 100, metrics },
    );
    q.queue.start();
    q.queue.add('a');
    await settle();
    await vi.advanceTimersByTimeAsync(10 + 20 + 40 + 80 + 100 + 100);
    const gaps = q.calls.slice(1).map((c, i) => c.at - (q.calls[i] as { at: number }).at);
    expect(gaps).toEqual([10, 20, 40, 80, 100, 100]);
    const retries = await metrics.queueRetries.get();
    expect(retries.values).toEqual([{ labels: { queue: 'test' }, value: 7 }]);
    await q.queue.stop();
  });

  it('lengthens the backoff with the time a key has been failing, not with the events that ran it meanwhile', async () => {
    let fail = true;
    let succeeded = 0;
    const q = recordingQueue(
      () => {
        if (fail) throw new Error('refused');
        succeeded++;
      },
      { baseDelayMs: 10, maxDelayMs: 300_000 },
    );
    q.queue.start();
    // An API server that refuses everything for a second after a restart while events keep
    // coming (each runs the key at once, as it should, and it fails)...
    for (let ms = 0; ms < 1000; ms += 20) {
      q.queue.add('a');
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(q.calls.length).toBeGreaterThan(50);
    // ...and still when the retries the backoff scheduled come: a few in ten seconds, doubling.
    const beforeRetries = q.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    const retries = q.calls.length - beforeRetries;
    expect(retries).toBeGreaterThanOrEqual(1);
    expect(retries).toBeLessThanOrEqual(6);
    // Well again, with no more events: the next retry comes within seconds, as after eleven
    // seconds of failing (counting every failed run, it was at the five-minute cap).
    fail = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(succeeded).toBe(1);
    await q.queue.stop();
  });

  it('resets the backoff after a success', async () => {
    let failures = 2;
    const q = recordingQueue(
      () => {
        if (failures-- > 0) throw new Error('not yet');
      },
      { baseDelayMs: 10 },
    );
    q.queue.start();
    q.queue.add('a');
    await settle();
    await vi.advanceTimersByTimeAsync(10 + 20);
    expect(q.calls).toHaveLength(3); // failed, failed, succeeded
    failures = 1;
    q.queue.add('a');
    await settle();
    expect(q.calls).toHaveLength(4); // failed again: the first delay again, not 40
    await vi.advanceTimersByTimeAsync(9);
    expect(q.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.calls).toHaveLength(5);
  });

  it('an add during backoff reconciles at once (a change must not wait for an old error)', async () => {
    let fail = true;
    const q = recordingQueue(
      () => {
        if (fail) throw new Error('boom');
      },
      { baseDelayMs: 60_000 },
    );
    q.queue.start();
    q.queue.add('a');
    await settle();
    fail = false;
    q.queue.add('a');
    await settle();
    expect(q.calls).toHaveLength(2);
  });

  it('requeueAfterMs schedules the key again and resets the backoff', async () => {
    const script: (() => ReconcileResult | undefined)[] = [
      () => {
        throw new Error('one');
      },
      () => ({ requeueAfterMs: 1_000 }),
      () => {
        throw new Error('two');
      },
      () => undefined,
    ];
    const q = recordingQueue(() => script.shift()?.(), { baseDelayMs: 10 });
    q.queue.start();
    q.queue.add('a');
    await settle();
    await vi.advanceTimersByTimeAsync(10); // the retry returns requeueAfterMs
    expect(q.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(q.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // requeued; fails
    expect(q.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(10); // base delay again: the requeue reset the backoff
    expect(q.calls).toHaveLength(4);
    const at = q.calls.map((c) => c.at - (q.calls[0] as { at: number }).at);
    expect(at).toEqual([0, 10, 1010, 1020]);
  });

  it('addAfter: the earliest pending time wins, and the key runs once', async () => {
    const q = recordingQueue();
    q.queue.start();
    q.queue.addAfter('a', 100);
    q.queue.addAfter('a', 50);
    q.queue.addAfter('b', 50);
    q.queue.addAfter('b', 100);
    await vi.advanceTimersByTimeAsync(49);
    expect(q.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.keys().sort()).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.calls).toHaveLength(2);
  });

  it('addAfter on a waiting key and scheduled keys before start()', async () => {
    const q = recordingQueue();
    q.queue.addAfter('later', 100);
    q.queue.add('now');
    await vi.advanceTimersByTimeAsync(200);
    expect(q.calls).toHaveLength(0); // not started
    q.queue.start();
    await settle();
    expect(q.keys()).toEqual(['now', 'later']);
  });

  it('stop() waits for the reconciles in flight and drops everything else', async () => {
    const gate = deferred();
    const q = recordingQueue((key) => (key === 'slow' ? gate.promise : undefined));
    q.queue.start();
    q.queue.add('slow');
    await settle();
    q.queue.addAfter('scheduled', 10);
    let stopped = false;
    const stopping = q.queue.stop().then(() => {
      stopped = true;
    });
    q.queue.add('after-stop');
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(q.keys()).toEqual(['slow']);
    await q.queue.idle();
  });

  it('idle() waits for due work only, and nothing is scheduled when there is nothing to do', async () => {
    const q = recordingQueue();
    q.queue.start();
    expect(vi.getTimerCount()).toBe(0);
    await q.queue.idle();
    q.queue.addAfter('far', 60_000);
    q.queue.add('now');
    await q.queue.idle();
    expect(q.keys()).toEqual(['now']);
    expect(vi.getTimerCount()).toBe(1); // only the one for 'far'
    await vi.advanceTimersByTimeAsync(60_000);
    await q.queue.idle();
    expect(q.keys()).toEqual(['now', 'far']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('exposes the number of waiting keys as queueDepth', async () => {
    const metrics = new Metrics();
    const gate = deferred();
    const q = recordingQueue(() => gate.promise, { workers: 1, metrics });
    const depth = async () => (await metrics.queueDepth.get()).values[0]?.value;
    q.queue.add('a');
    q.queue.add('b');
    q.queue.add('c');
    expect(await depth()).toBe(3);
    q.queue.start();
    await settle();
    expect(await depth()).toBe(2);
    gate.resolve();
    await q.queue.idle();
    expect(await depth()).toBe(0);
  });

  it('a reconcile that throws before returning a promise is retried like any other failure', async () => {
    let calls = 0;
    const throwsAtOnce = (() => {
      calls++;
      throw new Error('sync');
    }) as unknown as () => Promise<void>;
    const queue = new WorkQueue(throwsAtOnce, { name: 'sync', baseDelayMs: 10 });
    queue.start();
    queue.add('a');
    await settle();
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toBe(2);
    await queue.stop();
  });
});

describe('WorkQueue timers', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  it('a key scheduled for later does not keep the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const queue = new WorkQueue(async () => undefined, { name: 'unref' });
    queue.start();
    const before = timers();
    queue.addAfter('a', 60_000);
    expect(timers()).toBe(before);
    await queue.stop();
  });
});

// The retry helpers the queue, the informer and leader election share (src/runtime/backoff.ts).
describe('backoff helpers', () => {
  it('exponentialDelayMs doubles from the base and stops at the cap, even after very many failures', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => exponentialDelayMs(n, 5, 100))).toEqual([5, 10, 20, 40, 80, 100]);
    expect(exponentialDelayMs(5_000, 5, 300_000)).toBe(300_000);
  });

  it('Backoff jitters each delay into [d/2, d], never above the cap, and reset() starts over', () => {
    const low = new Backoff({ baseMs: 800, maxMs: 30_000, random: () => 0 });
    const high = new Backoff({ baseMs: 800, maxMs: 30_000, random: () => 0.999_999 });
    const lows = Array.from({ length: 8 }, () => low.next());
    const highs = Array.from({ length: 8 }, () => Math.round(high.next()));
    expect(lows).toEqual([400, 800, 1600, 3200, 6400, 12_800, 15_000, 15_000]);
    expect(highs).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    low.reset();
    expect(low.next()).toBe(400);
  });

  it('sleep() ends early, without rejecting, when its signal aborts', async () => {
    const abort = new AbortController();
    let done = false;
    const sleeping = sleep(60_000, abort.signal).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(false);
    abort.abort();
    await sleeping;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('deadlineSignal() aborts after its time or with its parent, and dispose() leaves nothing behind', async () => {
    const parent = new AbortController();
    const timed = deadlineSignal(parent.signal, 100);
    await vi.advanceTimersByTimeAsync(99);
    expect(timed.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(timed.signal.aborted).toBe(true);
    timed.dispose();

    const linked = deadlineSignal(parent.signal, 100);
    const disposed = deadlineSignal(parent.signal, 100);
    disposed.dispose();
    expect(vi.getTimerCount()).toBe(1);
    parent.abort();
    expect(linked.signal.aborted).toBe(true);
    expect(disposed.signal.aborted).toBe(false);
    linked.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
