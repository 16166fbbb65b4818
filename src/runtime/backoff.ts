// Retry helpers for the runtime's loops: exponential backoff, shared by the work queue (per key,
// deterministic, like client-go's ItemExponentialFailureRateLimiter) and the informer's
// list/watch loop (jittered, like the reflector's backoff manager); an abortable sleep; and a
// per-attempt deadline signal.

/** `baseMs · 2^failures`, capped at `maxMs`: the delay after `failures` earlier failures (0 → base). */
export function exponentialDelayMs(failures: number, baseMs: number, maxMs: number): number {
  // 2^1024 is Infinity; min() handles that, but keep the arithmetic finite anyway.
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 64));
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** For tests; defaults to Math.random. */
  random?: () => number;
}

/**
 * A retry loop's backoff: every `next()` doubles the delay up to the cap; `reset()` after the
 * thing retried is healthy again. Delays are jittered into [d/2, d] so that many clients that
 * failed together (an API server restart) do not come back in lockstep, and never exceed the cap.
 */
export class Backoff {
  private failures = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  next(): number {
    const delay = exponentialDelayMs(this.failures++, this.options.baseMs, this.options.maxMs);
    return delay / 2 + (this.random() * delay) / 2;
  }

  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: callers check the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A signal that aborts when `parent` does or after `ms`, for one attempt of a long-lived loop.
 * dispose() unhooks it from `parent` and clears its timer, so nothing piles up on the parent
 * however many attempts there are (AbortSignal.any keeps a reference per call until GC).
 */
export function deadlineSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort(new Error(`timed out after ${Math.round(ms)} ms`));
  const timer = setTimeout(abort, ms);
  parent.addEventListener('abort', abort, { once: true });
  if (parent.aborted) abort();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', abort);
    },
  };
}
