// What a client does while the API server restarts under it (a fault of the campaign): requests
// are cut (ECONNRESET), refused (ECONNREFUSED) or answered 429 "storage is (re)initializing" / 5xx
// for a few seconds. The load and the invariant checker go on through it; their assertions only
// ever judge what the server holds once it answers again.
import { ApiException } from '@kubernetes/client-node';

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/** A failure that says nothing about the request itself: try again. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ApiException) return err.code === 429 || err.code >= 500;
  const e = err as { code?: string; errno?: string; name?: string; type?: string } | undefined;
  return (
    TRANSIENT_CODES.has(e?.code ?? '') ||
    TRANSIENT_CODES.has(e?.errno ?? '') ||
    e?.name === 'FetchError' ||
    e?.type === 'system'
  );
}

/** `action` until it succeeds or fails for a reason of its own; transient failures for up to `limitMs`. */
export async function throughRestarts<T>(action: () => Promise<T>, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await action();
    } catch (err) {
      if (!isTransient(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
