// Follows one of the person's claims as the person. Users may not list or watch claims in
// general: kubevdi grants each user get/watch on their own claims by name, and the API server
// lets a watch through that grant only with `fieldSelector=metadata.name=<claim>`, so every claim
// has a watch of its own.
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { API_VERSION } from '../api/meta.js';
import type { Claim, ClaimRef } from './api-types.js';
import { type ClaimObject, toClaim } from './claims.js';

export interface ClaimWatchEvents {
  /** The claim as it is now (it is the person's own). */
  claim(claim: Claim): void;
  /** It was deleted, or the person may no longer see it (its grant went with it). */
  gone(ref: ClaimRef): void;
  /** The API server no longer takes the person's token: the whole stream must end. */
  signedOut(): void;
}

/** A just-created claim's grant is written by the operator a moment later: how long to keep asking. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
/** A watch that ends sooner than this was cut, not timed out: wait before the next. */
const MIN_WATCH_MS = 1_000;

type WatchEnd = { error?: { statusCode?: number } | Error | null };

/**
 * Watches `ref` until `signal` aborts or the claim is gone. A watch that the API server ends (its
 * timeout, a dropped connection) starts again where it left off; one that is refused before the
 * claim was ever seen is retried with backoff, since a fresh claim's grant may not exist yet.
 */
export async function followClaim(
  kc: KubeConfig,
  username: string,
  ref: ClaimRef,
  events: ClaimWatchEvents,
  signal: AbortSignal,
): Promise<void> {
  const path = `/apis/${API_VERSION}/namespaces/${encodeURIComponent(ref.namespace)}/desktopclaims`;
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
        fieldSelector: `metadata.name=${ref.name}`,
        allowWatchBookmarks: true,
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      (type, object) => {
        if (type === 'ERROR') {
          // 410 Gone: the resource version is too old to resume from; start over with a fresh read.
          if ((object as { code?: number }).code === 410) resourceVersion = undefined;
          return;
        }
        const claim = object as ClaimObject;
        resourceVersion = claim.metadata?.resourceVersion ?? resourceVersion;
        if (type === 'BOOKMARK') return;
        seen = true;
        backoff = FIRST_BACKOFF_MS;
        if (type === 'DELETED') {
          deleted = true;
          events.gone(ref);
          return;
        }
        // A pool admin may watch anyone's claim: this page shows only the person's own.
        if (claim.spec?.user === username) events.claim(toClaim(claim));
      },
      signal,
    );
    if (deleted || signal.aborted) return;
    const status = end.error && 'statusCode' in end.error ? end.error.statusCode : undefined;
    if (status === 401) return events.signedOut();
    if (status === 403 && seen) return events.gone(ref);
    // A watch that failed, or ended at once (a proxy cutting it), is not restarted in a tight loop.
    if (end.error || Date.now() - started < MIN_WATCH_MS) {
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}

function watchOnce(
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
