// The few answers of the API server a controller expects rather than fails on: 404 (gone
// already), 409 (changed since the cache showed it, or a uid precondition failed: another object
// under that name now). One place for them, so every write says which it expects by its name.
import { ApiException } from '@kubernetes/client-node';

/** The API server answered `err` with one of these HTTP codes. */
export function isApiError(err: unknown, ...codes: number[]): boolean {
  return err instanceof ApiException && codes.includes(err.code);
}

/** Gone already is done. */
export async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
  }
}

/** 404: gone already; 409: a uid precondition failed, it is another object now. Done either way. */
export async function ignoreGone(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isApiError(err, 404, 409)) throw err;
  }
}

/**
 * A write guarded by a resourceVersion or uid precondition: true when it was made, false when the
 * object changed (409) or is gone (404) since the decision was made; decided again with fresh data.
 */
export async function unlessChanged(request: Promise<unknown>): Promise<boolean> {
  try {
    await request;
    return true;
  } catch (err) {
    if (isApiError(err, 404, 409)) return false;
    throw err;
  }
}

/** The object, or undefined when there is none. */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

/** A create of something that may exist already under its deterministic name: 409 is done. */
export async function ignoreExists(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isApiError(err, 409)) throw err;
  }
}
