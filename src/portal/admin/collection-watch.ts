// Watches a collection (all objects of a kind in a namespace) as the person from a resource
// version on, starting again where a watch ended; a 410 (too old) starts over from now. Ends on
// 403 (no right to watch), 401 (signed out: `signedOut`) or when `signal` aborts.
import type { KubeConfig } from '@kubernetes/client-node';
import { watchOnce } from '../claim-watch.js';

const RETRY_MS = 2000;

export async function followCollection(
  kc: KubeConfig,
  path: string,
  from: string | undefined,
  onChange: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown) => void,
  signedOut: () => void,
  signal: AbortSignal,
): Promise<void> {
  let resourceVersion = from;
  while (!signal.aborted) {
    const end = await watchOnce(
      kc,
      path,
      { allowWatchBookmarks: true, ...(resourceVersion ? { resourceVersion } : {}) },
      (type, object) => {
        const current = object as { metadata?: { resourceVersion?: string }; code?: number };
        if (type === 'ERROR') {
          if (current.code === 410) resourceVersion = undefined;
          return;
        }
        resourceVersion = current.metadata?.resourceVersion ?? resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onChange(type, object);
      },
      signal,
    );
    const status = end.error && 'statusCode' in end.error ? end.error.statusCode : undefined;
    if (status === 401) return signedOut();
    if (status === 403) return;
    if (end.error && !signal.aborted) await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}
