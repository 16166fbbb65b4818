// Follows one object the person may watch by name, as the person: one of their claims, or the
// desktop it holds. Users may not list or watch claims or VirtualMachines in general: kubevdi
// grants each user get/watch on their own claims and desktops by name, and the API server lets a
// watch through such a grant only with `fieldSelector=metadata.name=<name>`, so every object has
// a watch of its own.
import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';
import { API_VERSION } from '../api/meta.js';
import type { ClaimRef } from './api-types.js';
import type { ClaimObject } from './kube-objects.js';

export interface WatchEvents<T> {
  /** The object as it is now. */
  changed(object: T): void;
  /** It was deleted, or the person may no longer see it (its grant went with it). */
  gone(): void;
  /** The API server no longer takes the person's token: the whole stream must end. */
  signedOut(): void;
}

export interface ClaimWatchEvents {
  /** The claim as it is now (it is the person's own). */
  claim(claim: ClaimObject): void;
  /** It was deleted, or the person may no longer see it (its grant went with it). */
  gone(ref: ClaimRef): void;
  signedOut(): void;
}

/** A just-created claim's grant is written by the operator a moment later: how long to keep asking. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
/** A watch that ends sooner than this was cut, not timed out: wait before the next. */
const MIN_WATCH_MS = 1_000;

type WatchEnd = { error?: { statusCode?: number } | Error | null };

/**
 * What a follow may be told beside its object. `patienceMs`: an object not seen within this long
 * — refused, or not there — is given up (`gone`) instead of asked for again for as long as the
 * caller listens: a just-created claim's grant, or a just-bound desktop's, comes within seconds.
 * `watches` counts the follows running, for the portal's metrics.
 */
export interface FollowOptions {
  patienceMs?: number;
  watches?: WatchCount;
}

/** Follows running now: one more when a follow starts, one fewer when it returns. */
export interface WatchCount {
  opened(): void;
  closed(): void;
  /** A follow gave its object up: never seen in time, or someone else's claim. */
  gaveUp?(): void;
}

/**
 * Follows one of the person's claims; a pool admin may watch anyone's, this shows only their own:
 * a claim that turns out to be someone else's is given up (`gone`) and watched no more.
 */
export function followClaim(
  kc: KubeConfig,
  username: string,
  ref: ClaimRef,
  events: ClaimWatchEvents,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const path = `/apis/${API_VERSION}/namespaces/${encodeURIComponent(ref.namespace)}/desktopclaims`;
  const foreign = new AbortController();
  return followObject<ClaimObject>(
    kc,
    path,
    ref.name,
    {
      changed: (claim) => {
        if (claim.spec?.user === username) return events.claim(claim);
        foreign.abort();
        options.watches?.gaveUp?.();
        events.gone(ref);
      },
      gone: () => events.gone(ref),
      signedOut: () => events.signedOut(),
    },
    AbortSignal.any([signal, foreign.signal]),
    options,
  );
}

/**
 * Watches the object `name` in the collection at `path` until `signal` aborts or it is gone. A
 * watch that the API server ends (its timeout, a dropped connection) starts again where it left
 * off; one that is refused before the object was ever seen is retried with backoff, since a fresh
 * claim's grant (or the grant's rule for a just-bound desktop) may not exist yet — for
 * `patienceMs` when given, then it is given up.
 *
 * It adds no listener to `signal`: many follows share one stream's signal, and each watch and
 * each wait between them listens on a signal of this follow's own (AbortSignal.any keeps its
 * sources' listener lists untouched), removing its listener when it is done.
 */
export async function followObject<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  name: string,
  events: WatchEvents<T>,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  let resourceVersion: string | undefined;
  let seen = false;
  let gaveUp = false;
  let backoff = FIRST_BACKOFF_MS;
  const impatience = new AbortController();
  const own = AbortSignal.any([signal, impatience.signal]);
  const patience =
    options.patienceMs === undefined
      ? undefined
      : setTimeout(() => {
          if (seen) return;
          gaveUp = true;
          impatience.abort();
        }, options.patienceMs);
  options.watches?.opened();
  try {
    while (!own.aborted) {
      let deleted = false;
      const started = Date.now();
      const end = await watchOnce(
        kc,
        path,
        {
          fieldSelector: `metadata.name=${name}`,
          allowWatchBookmarks: true,
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        (type, object) => {
          if (type === 'ERROR') {
            // 410 Gone: the resource version is too old to resume from; start over with a fresh read.
            if ((object as { code?: number }).code === 410) resourceVersion = undefined;
            return;
          }
          const current = object as T;
          resourceVersion = current.metadata?.resourceVersion ?? resourceVersion;
          if (type === 'BOOKMARK') return;
          seen = true;
          backoff = FIRST_BACKOFF_MS;
          if (type === 'DELETED') {
            deleted = true;
            events.gone();
            return;
          }
          events.changed(current);
        },
        own,
      );
      if (deleted || own.aborted) break;
      const status = end.error && 'statusCode' in end.error ? end.error.statusCode : undefined;
      if (status === 401) return events.signedOut();
      if (status === 403 && seen) return events.gone();
      // A watch that failed, or ended at once (a proxy cutting it), is not restarted in a tight loop.
      if (end.error || Date.now() - started < MIN_WATCH_MS) {
        await sleep(backoff, own);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    if (gaveUp && !signal.aborted) {
      options.watches?.gaveUp?.();
      events.gone();
    }
  } finally {
    clearTimeout(patience);
    options.watches?.closed();
  }
}

export function watchOnce(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | boolean>,
  onEvent: (type: string, object: unknown) => void,
  signal: AbortSignal,
): Promise<WatchEnd> {
  return new Promise((resolve) => {
    let controller: AbortController | undefined;
    const abort = () => controller?.abort();
    // Every way out removes the listener: the watch's end, and a watch that could not start.
    const finish = (error: WatchEnd['error']) => {
      signal.removeEventListener('abort', abort);
      resolve({ error });
    };
    signal.addEventListener('abort', abort, { once: true });
    new Watch(kc)
      .watch(path, query, onEvent, finish)
      .then((c) => {
        controller = c;
        if (signal.aborted) c.abort();
      })
      .catch(finish);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
