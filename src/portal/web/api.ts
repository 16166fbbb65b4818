// The portal's JSON API from the page: every answer validated with the same zod schemas the
// server uses, every refusal turned into an ApiFailure carrying the server's own words.
import type { z } from 'zod';
import { ApiError, CSRF_HEADER } from '../api-types.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.error);
  }
}

/** Sign-in ran out: through sign-in and back to this page (nothing on it is lost but a moment). */
export function signInAgain(signIn: string | undefined): void {
  const here = `${location.pathname}${location.search}${location.hash}`;
  if (!signIn || signIn === '/') {
    location.assign(here);
    return;
  }
  const url = new URL(signIn, location.origin);
  url.searchParams.set('returnTo', here);
  location.assign(`${url.pathname}${url.search}`);
}

export async function api<S extends z.ZodType>(
  schema: S | undefined,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        [CSRF_HEADER]: '1',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiFailure(0, { error: 'The portal cannot be reached. Check your connection.', kind: 'unavailable' });
  }
  if (response.ok) {
    if (!schema || response.status === 204) return undefined as z.infer<S>;
    return schema.parse(await response.json());
  }
  const parsed = ApiError.safeParse(await response.json().catch(() => undefined));
  const body: ApiError = parsed.success
    ? parsed.data
    : { error: `The portal answered ${response.status}.`, kind: 'internal' };
  if (response.status === 401 && body.error === 'signin-required') signInAgain(body.signIn);
  throw new ApiFailure(response.status, body);
}

/** What went wrong, in words for the person; the API server's own message is kept as it is. */
export function describeFailure(err: unknown, doing: string): string {
  if (!(err instanceof ApiFailure))
    return `Could not ${doing}: the portal sent something this page does not understand.`;
  const { kind, error } = err.body;
  if (kind === 'forbidden') return `You may not ${doing}: ${error}`;
  if (kind === 'unavailable') return `Could not ${doing}: ${error}`;
  if (kind === 'unauthenticated') return 'Your sign-in has expired. Signing you in again…';
  if (kind === 'not-found') return `Could not ${doing}: it no longer exists.`;
  return `Could not ${doing}: ${error}`;
}
