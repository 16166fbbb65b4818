// What the API server said, passed on to the person: its status code and its own message (an
// RBAC refusal or the claim admission policy's words), never a rewording that could hide why.
import { ApiException } from '@kubernetes/client-node';
import type { ErrorKind } from './api-types.js';

export interface Refusal {
  status: number;
  kind: ErrorKind;
  message: string;
}

export function kindOf(status: number): ErrorKind {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 0 || status === 429 || status === 503 || status === 504) return 'unavailable';
  return 'internal';
}

/** The refusal an error from client-node stands for; a network failure is 502 `unavailable`. */
export function refusalOf(err: unknown): Refusal {
  if (err instanceof ApiException) {
    const status = err.code;
    return { status, kind: kindOf(status), message: messageOf(err.body) ?? `the API server answered ${status}` };
  }
  return { status: 502, kind: 'unavailable', message: 'the Kubernetes API server could not be reached' };
}

/** A Status object's message, whether client-node handed the body over as text or parsed. */
function messageOf(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body || undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** True for the API server's answers that mean "not for you" or "not there", which lists skip. */
export function isForbiddenOrMissing(err: unknown): boolean {
  return err instanceof ApiException && (err.code === 403 || err.code === 404);
}
