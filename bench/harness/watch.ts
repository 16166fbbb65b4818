// A watching client, as a user's portal or kubectl would see the cluster: the moment an object
// first satisfies a condition is the moment its watch event arrives here. Timed figures come from
// watches, never from polling, so a figure's resolution is the API server's, not a poll interval.
import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';

export interface Watcher {
  stop(): void;
}

/**
 * Watches a collection (`/apis/<group>/<version>/namespaces/<ns>/<plural>`) and calls `onObject`
 * with every object it sees (existing ones first) and `performance.now()` at its arrival. Resolves
 * once the watch is established, so changes made after that are all seen.
 */
export async function watchCollection<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  onObject: (obj: T, type: string, at: number) => void,
): Promise<Watcher> {
  let failed: unknown;
  const controller = await new Watch(kc).watch(
    path,
    { allowWatchBookmarks: false },
    (type, obj: T) => onObject(obj, type, performance.now()),
    (err) => {
      if (err && (err as { name?: string }).name !== 'AbortError') failed = err;
    },
  );
  return {
    stop() {
      controller.abort();
      if (failed) throw new Error(`watch of ${path} failed: ${String(failed)}`);
    },
  };
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
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`nothing at ${path} was done after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    watcher.stop();
  }
}
