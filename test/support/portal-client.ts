// A person's browser against a portal, without a browser: a session cookie from token sign-in,
// and JSON API calls as the portal's own pages make them (same Origin, the CSRF header).
import { CSRF_HEADER } from '../../src/portal/api-types.js';

export interface PortalClient {
  base: string;
  cookie: string;
  api(path: string, method?: string, body?: unknown): Promise<{ status: number; text: string }>;
}

/** Signs in with a bearer token; throws unless the portal answers with a session. */
export async function signInWithToken(base: string, token: string): Promise<PortalClient> {
  const response = await fetch(`${base}/sign-in/token`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  if (response.status !== 303) throw new Error(`token sign-in answered ${response.status}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return clientWithCookie(base, cookie);
}

/** The same session (cookie) against another portal replica. */
export function clientWithCookie(base: string, cookie: string): PortalClient {
  return {
    base,
    cookie,
    async api(path, method = 'GET', body?) {
      const response = await fetch(`${base}${path}`, {
        method,
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
        headers: {
          cookie,
          origin: base,
          [CSRF_HEADER]: '1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, text: await response.text() };
    },
  };
}

/** A session's cookie header as Playwright's cookies for `url`, to give a browser context the same sign-in. */
export function browserCookies(cookie: string, url: string): Array<{ name: string; value: string; url: string }> {
  return cookie.split('; ').map((pair) => {
    const eq = pair.indexOf('=');
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url };
  });
}
