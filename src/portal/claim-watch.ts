// Follows one object the person may watch by name, as the person: one of their claims, or the
// desktop it holds. Users may not list or watch claims or VirtualMachines in general: kubevdi
// grants each user get/watch on their own claims and desktops by name, and the API server lets a
// watch through such a grant only with `fieldSelector=metadata.name=<name>`, so every object has
// a watch of its own.
import { type KubeConfig, type KubernetesObject, Watch } from '@kubernetes/client-node';
import { API_VERSION } from '../api/meta.js';
import type { ClaimRef } from './api-types.js';
import type { ClaimObject } from './claim-view.js';

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

/** Follows one of the person's claims; a pool admin may watch anyone's, this shows only their own. */
export function followClaim(
  kc: KubeConfig,
  username: string,
  ref: ClaimRef,
  events: ClaimWatchEvents,
  signal: AbortSignal,
): Promise<void> {
  const path = `/apis/${API_VERSION}/namespaces/${encodeURIComponent(ref.namespace)}/desktopclaims`;
  return followObject<ClaimObject>(
    kc,
    path,
    ref.name,
    {
      changed: (claim) => {
        if (claim.spec?.user === username) events.claim(claim);
      },
      gone: () => events.gone(ref),
      signedOut: () => events.signedOut(),
    },
    signal,
  );
}

/**
 * Watches the object `name` in the collection at `path` until `signal` aborts or it is gone. A
 * watch that the API server ends (its timeout, a dropped connection) starts again where it left
 * off; one that is refused before the object was ever seen is retried with backoff, since a fresh
 * claim's grant (or the grant's rule for a just-bound desktop) may not exist yet.
 */
export async function followObject<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  name: string,
  events: WatchEvents<T>,
  signal: AbortSignal,
): Promise<void> {
  let resourceVersion: string | undefined;
  let seen = false;
  let backoff = FIRST_BACKOFF_MS;
  while (!signal.aborted) {
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
      signal,
    );
    if (deleted || signal.aborted) return;
    const status = end.error && 'statusCode' in end.error ? end.error.statusCode : undefined;
    if (status === 401) return events.signedOut();
    if (status === 403 && seen) return events.gone();
    // A watch that failed, or ended at once (a proxy cutting it), is not restarted in a tight loop.
    if (end.error || Date.now() - started < MIN_WATCH_MS) {
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
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
    signal.addEventListener('abort', abort, { once: true });
    new Watch(kc)
      .watch(path, query, onEvent, (error: WatchEnd['error']) => {
        signal.removeEventListener('abort', abort);
        resolve({ error });
      })
      .then((c) => {
        controller = c;
        if (signal.aborted) c.abort();
      })
      .catch((error: Error) => resolve({ error }));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
