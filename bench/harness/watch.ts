// A watching client, as a user's portal or kubectl would see the cluster: the moment an object
// first satisfies a condition is the moment its watch event arrives here. Timed figures come from
// watches, never from polling, so a figure's resolution is the API server's, not a poll interval.
import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';

export interface Watcher {
  /** Rejects when the watch ends before stop() (a timed wait races with it instead of hanging). */
  ended: Promise<never>;
  stop(): void;
}

/** Statuses an API server answers a new watch with while it is busy or still starting (APF's 429). */
const RETRIABLE = new Set([429, 500, 503, 504]);

/**
 * Watches a collection (`/apis/<group>/<version>/namespaces/<ns>/<plural>`) and calls `onObject`
 * with every object it sees (existing ones first) and `performance.now()` at its arrival. Resolves
 * once the watch is established, so changes made after that are all seen; a busy API server's
 * 429 or 5xx on establishing is retried for up to 30 s.
 */
export async function watchCollection<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  onObject: (obj: T, type: string, at: number) => void,
): Promise<Watcher> {
  const deadline = performance.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    let failed: unknown;
    let stopped = false;
    let reject!: (err: Error) => void;
    const ended = new Promise<never>((_, r) => {
      reject = r;
    });
    ended.catch(() => {}); // only a race that is waiting cares
    const controller = await new Watch(kc).watch(
      path,
      { allowWatchBookmarks: false },
      (type, obj: T) => onObject(obj, type, performance.now()),
      (err) => {
        if (stopped || (err && (err as { name?: string }).name === 'AbortError')) return;
        failed = err ?? new Error('closed by the server');
        reject(new Error(`watch of ${path} ended: ${String(failed)}`));
      },
    );
    // done() runs before watch() returns when the API server refused the watch.
    const code = (failed as { statusCode?: number } | undefined)?.statusCode;
    if (code !== undefined && RETRIABLE.has(code) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      continue;
    }
    if (failed) throw new Error(`watch of ${path} failed: ${String(failed)}`);
    return {
      ended,
      stop() {
        stopped = true;
        controller.abort();
        if (failed) throw new Error(`watch of ${path} failed: ${String(failed)}`);
      },
    };
  }
}

/**
 * Resolves with `performance.now()` at the first watch event of an object satisfying `done`, or
 * rejects after `timeoutMs`. `start` runs once the watch is established (what is being timed).
 */
export async function untilWatched<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  done: (obj: T) => boolean,
  timeoutMs: number,
  start: () => Promise<void>,
): Promise<number> {
  let resolve!: (at: number) => void;
  const seen = new Promise<number>((r) => {
    resolve = r;
  });
  const watcher = await watchCollection<T>(kc, path, (obj, _type, at) => {
    if (done(obj)) resolve(at);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await start();
    return await Promise.race([
      seen,
      watcher.ended,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`nothing at ${path} was done after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    watcher.stop();
  }
}

/**
 * A watch that comes back by itself, for a benchmark that watches for many minutes: the API server
 * ends watches at its request timeout, and under load sooner. Each new watch lists what is there
 * first, so `onObject` sees those objects again (as a watching client would after a reconnect):
 * it must take an object it has seen before as nothing new. Stops only with stop().
 */
export async function keptWatch<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  onObject: (obj: T, type: string, at: number) => void,
): Promise<{ stop(): void }> {
  let current = await watchCollection<T>(kc, path, onObject);
  let stopped = false;
  void (async () => {
    while (!stopped) {
      await current.ended.catch(() => {});
      while (!stopped) {
        try {
          current = await watchCollection<T>(kc, path, onObject);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      try {
        current.stop();
      } catch {
        // It had ended: nothing to stop.
      }
    },
  };
}
