// The portal's OpenID Connect sign-in against the real API server and the test world's real
// OpenID provider, driven as a browser would (HttpBrowser: the provider's own login form, its
// cookies and the portal's): code flow with PKCE, the ID token as the person's bearer token,
// renewal with the refresh token, sign-in again when renewal is impossible, and sign-out at
// the issuer. The test knows the session secret, so it can open the portal's cookies the way
// another replica would — to show what is (and is not) in them.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { ApiError, CSRF_HEADER, Me } from '../src/portal/api-types.js';
import { contentSecurityPolicy } from '../src/portal/security.js';
import type { Portal } from '../src/portal/server.js';
import { sealKey } from '../src/portal/signin/seal.js';
import { type Session, sessionCookies } from '../src/portal/signin/session.js';
import { signInWithOidc, useChromium } from './support/browser.js';
import { applyAs, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { HttpBrowser } from './support/http-browser.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { captureLogs, usePortals } from './support/portal.js';
import { OIDC_USERS } from './support/users.js';

const namespace = useTestNamespace('portal-oidc');
const oidc = inject('cluster').oidc;
const ada = { username: 'ada', password: OIDC_USERS.ada?.password ?? '' };
const CALLBACK = '/auth/callback';
/** Three base64url parts, the first a JSON object: a JWS such as an ID token. */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

const startPortal = usePortals();
const chromium = useChromium();

async function portal(options: {
  secret: string;
  clientId?: string;
  log?: Logger;
  sessionCheckSeconds?: number;
}): Promise<Portal> {
  return startPortal({
    sessionCheckSeconds: options.sessionCheckSeconds,
    namespaces: [namespace()],
    oidc: {
      issuer: oidc.issuer,
      clientId: options.clientId ?? oidc.clientId,
      clientSecret: oidc.clientSecret,
      caPem: oidc.caPem,
    },
    sessionSecret: options.secret,
    log: options.log ?? captureLogs().log,
  });
}

/** From the portal's /auth/login to the redirect back to its callback, which is returned unvisited. */
async function toCallback(browser: HttpBrowser, url: string, returnTo: string) {
  const login = await browser.request(`${url}/auth/login?${new URLSearchParams({ returnTo })}`);
  expect(login.status).toBe(303);
  const reached = await browser.follow(new URL(String(login.headers.location)), {
    credentials: ada,
    stopAt: (next) => next.origin === url && next.pathname === CALLBACK,
  });
  if (reached.response) throw new Error(`sign-in stopped at ${reached.url}: HTTP ${reached.response.status}`);
  return { login, callback: reached.url, loginFormShown: reached.loginFormShown };
}

/** A JSON API call from the portal's own page. */
function api(browser: HttpBrowser, url: string, path: string, method = 'GET') {
  return browser.request(`${url}${path}`, { method, headers: { origin: url, [CSRF_HEADER]: '1' } });
}

const setCookies = (res: { headers: Record<string, string | string[] | undefined> }) =>
  [res.headers['set-cookie'] ?? []].flat();

describe('the portal with OpenID Connect sign-in', () => {
  it('signs ada in at the provider, acts as her, refuses tampered and replayed callbacks, and signs out at the issuer', async () => {
    await apiServerTrustsIssuer(oidc, ada);
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'oidc-vdi-users', namespace: namespace() },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:vdi-users' }],
    });
    const logs = captureLogs();
    const secret = randomBytes(48).toString('base64');
    const { url } = await portal({ secret, log: logs.log });
    const browser = new HttpBrowser(oidc.caPem);

    // Signed out: a "Sign in" link, no token form (no --token-sign-in); the CSP lets a form's
    // answer go on to the issuer (sign-out) and nowhere else.
    const home = await browser.request(`${url}/`);
    expect(home.body).toContain('href="/auth/login"');
    expect(home.body).not.toContain('/sign-in/token');
    expect(home.headers['content-security-policy']).toBe(contentSecurityPolicy(new URL(oidc.issuer).origin));

    // returnTo: paths on the portal only.
    for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await browser.request(`${url}/auth/login?${new URLSearchParams({ returnTo })}`);
      expect(res.status, returnTo).toBe(400);
      expect(setCookies(res)).toEqual([]);
    }

    // 1. A tampered state is refused, and uses up the sign-in.
    const first = await toCallback(browser, url, '/?view=desktops');
    expect(first.loginFormShown).toBe(true);
    const authorization = new URL(String(first.login.headers.location));
    expect(authorization.origin).toBe(oidc.browserUrl);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('scope')).toBe('openid profile email groups offline_access');
    expect(authorization.searchParams.get('prompt')).toBe('consent');
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${url}${CALLBACK}`);
    const signInCookie = setCookies(first.login)[0] as string;
    expect(signInCookie).toMatch(/^kubevdi-sign-in=.*; Max-Age=600; HttpOnly; SameSite=Lax/);
    const tampered = new URL(first.callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const refusedState = await browser.request(tampered);
    expect(refusedState.status).toBe(400);
    expect(refusedState.body).toContain('could not be completed');
    expect(browser.jar(url).has('kubevdi-sign-in')).toBe(false);
    expect((await browser.request(first.callback)).status).toBe(400); // nothing left to match

    // 2. The real thing: back on the page she started from, with a session.
    const second = await toCallback(browser, url, '/?view=desktops');
    const pendingCookie = browser.cookieHeader(url);
    const done = await browser.request(second.callback);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/?view=desktops');

    // 3. The same callback again, in her browser or with the sign-in cookie kept by an attacker.
    expect((await browser.request(second.callback)).status).toBe(400);
    const replayed = await fetch(second.callback, { headers: { cookie: pendingCookie }, redirect: 'manual' });
    expect(replayed.status).toBe(400);
    expect(replayed.headers.getSetCookie().some((c) => c.startsWith('kubevdi-session'))).toBe(false);

    // Who she is, as the API server says it.
    const me = Me.parse(JSON.parse((await api(browser, url, '/api/me')).body));
    expect(me.username).toBe('oidc:ada@example.com');
    expect(me.groups).toContain('oidc:vdi-users');
    // The header calls her by her name; the Kubernetes user name is in its title.
    expect((await browser.request(`${url}/`)).body).toContain(
      'Signed in as <strong title="Kubernetes user oidc:ada@example.com">Ada Lovelace</strong>',
    );
    // As a member of oidc:vdi-users she may list pools (RBAC's cache follows the binding within moments).
    await eventually(async () => expect((await api(browser, url, '/api/pools')).status).toBe(200));

    // The cookies hold her tokens, sealed: no token text in them, and HttpOnly.
    const session = sessionCookies(sealKey(secret)).read(browser.cookieHeader(url), false) as Session;
    expect(session).toMatchObject({ method: 'oidc', refreshToken: expect.any(String) });
    expect(session.token.split('.')).toHaveLength(3);
    for (const c of setCookies(done).filter((c) => c.startsWith('kubevdi-session'))) expect(c).toMatch(/; HttpOnly/);
    const cookieText = browser.cookieHeader(url);
    for (const part of [...session.token.split('.'), session.refreshToken as string])
      expect(cookieText).not.toContain(part.slice(0, 16));

    // Sign-out: no session here, and on to the issuer's end-session endpoint, which sends her back.
    // No URL of the way holds her ID token (it would be in the browser's history and in logs):
    // the portal names itself (client_id), the issuer knows her by its own cookie.
    const signingOut = browser.urls.length;
    const out = await browser.request(`${url}/sign-out`, { method: 'POST', headers: { origin: url } });
    expect(out.status).toBe(303);
    const endSession = new URL(String(out.headers.location));
    expect(endSession.origin).toBe(oidc.browserUrl);
    expect(endSession.searchParams.has('id_token_hint')).toBe(false);
    expect(endSession.searchParams.get('client_id')).toBe(oidc.clientId);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${url}/`);
    expect([...browser.jar(url).keys()].filter((n) => n.startsWith('kubevdi-session'))).toEqual([]);
    const signedOut = ApiError.parse(JSON.parse((await api(browser, url, '/api/me')).body));
    expect(signedOut).toMatchObject({ error: 'signin-required', kind: 'unauthenticated' });
    const confirm = await browser.follow(endSession);
    expect(confirm.response?.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.response?.body ?? '')?.[1] as string;
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.response?.body ?? '')?.[1] as string;
    const back = await browser.follow(new URL(action, endSession), {
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      },
      stopAt: (next) => next.origin === url,
    });
    expect(back.url.href).toBe(`${url}/`);
    const signOutUrls = browser.urls.slice(signingOut).map((u) => u.href);
    expect(signOutUrls.length).toBeGreaterThanOrEqual(4);
    for (const visited of signOutUrls) {
      expect(visited).not.toMatch(JWT);
      expect(visited).not.toContain('id_token_hint');
      expect(visited).not.toContain(session.token.split('.')[2]);
    }
    // The provider forgot her too: the next sign-in asks for the password again.
    expect((await toCallback(browser, url, '/')).loginFormShown).toBe(true);

    const logged = logs.text();
    expect(logged).toContain('signed in');
    for (const part of [session.token.split('.')[2], session.refreshToken])
      expect(logged).not.toContain(part as string);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/kubevdi_portal_sign_ins_total\{method="oidc",result="success"\} 1/);
    expect(metrics).toMatch(/kubevdi_portal_sign_ins_total\{method="oidc",result="rejected"\} 4/);
  });

  it('renews a short-lived ID token transparently, and sends her through sign-in back to the page when it cannot', async () => {
    await apiServerTrustsIssuer(oidc, ada);
    const secret = randomBytes(48).toString('base64');
    const { url } = await portal({ secret, clientId: oidc.shortLivedClientId });
    const cookies = sessionCookies(sealKey(secret));
    const browser = new HttpBrowser(oidc.caPem);
    const { callback } = await toCallback(browser, url, '/');
    expect((await browser.request(callback)).status).toBe(303);
    const first = cookies.read(browser.cookieHeader(url), false) as Session;
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(2000);

    // Past the ID token's exp: the call still works, with a new token in a new cookie.
    await new Promise((resolve) => setTimeout(resolve, first.expiresAt - Date.now() + 500));
    const before = browser.cookieHeader(url);
    const me = await api(browser, url, '/api/me');
    expect(me.status).toBe(200);
    expect(Me.parse(JSON.parse(me.body)).username).toBe('oidc:ada@example.com');
    expect(setCookies(me).some((c) => c.startsWith('kubevdi-session'))).toBe(true);
    expect(browser.cookieHeader(url)).not.toBe(before);
    const renewed = cookies.read(browser.cookieHeader(url), false) as Session;
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
    expect(renewed.signedInAt).toBe(first.signedInAt);

    // No way to renew — a session without a refresh token, or with one the issuer refuses —
    // once the token has run out: the API says sign in, a page sends her through sign-in.
    const withoutRefresh = new HttpBrowser(oidc.caPem);
    const refused = new HttpBrowser(oidc.caPem);
    const plant = (b: HttpBrowser, session: Session) => {
      for (const c of cookies.write(session, undefined, false)) {
        const [pair = ''] = c.split(';');
        b.jar(url).set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
    };
    plant(withoutRefresh, { ...renewed, refreshToken: undefined });
    plant(refused, { ...renewed, refreshToken: 'not-a-refresh-token' });
    await new Promise((resolve) => setTimeout(resolve, renewed.expiresAt - Date.now() + 500));

    const apiCall = await api(withoutRefresh, url, '/api/me');
    expect(apiCall.status).toBe(401);
    expect(JSON.parse(apiCall.body)).toEqual({
      error: 'signin-required',
      kind: 'unauthenticated',
      signIn: '/auth/login?returnTo=%2F',
    });
    const page = await refused.request(`${url}/?view=desktops`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/auth/login?returnTo=%2F%3Fview%3Ddesktops');
    expect(cookies.read(refused.cookieHeader(url), false)).toBeUndefined(); // the dead session is gone

    // Through sign-in and back to the same page.
    const again = await refused.follow(`${url}${page.headers.location}`, {
      credentials: ada,
      stopAt: (next) => next.origin === url && next.pathname !== CALLBACK,
    });
    expect(again.url.pathname + again.url.search).toBe('/?view=desktops');
    expect((await api(refused, url, '/api/me')).status).toBe(200);
  });

  it('ends every copy of a session at sign-out, on every replica: the issuer refuses its refresh token', async () => {
    await apiServerTrustsIssuer(oidc, ada);
    const secret = randomBytes(48).toString('base64');
    // Two replicas with one secret, as behind a Service; each checks a session with the issuer
    // every 3 seconds here (5 minutes by default).
    const [a, b] = await Promise.all([0, 1].map(() => portal({ secret, sessionCheckSeconds: 3 })));
    if (!a || !b) throw new Error('two portals');
    const browser = new HttpBrowser(oidc.caPem);
    const { callback } = await toCallback(browser, a.url, '/');
    expect((await browser.request(callback)).status).toBe(303);

    // Someone copies her cookies (a stolen laptop, malware): they work on either replica.
    const copy = browser.cookieHeader(a.url);
    const meWith = async (portalUrl: string, cookie: string) =>
      (await fetch(`${portalUrl}/api/me`, { headers: { cookie, [CSRF_HEADER]: '1' } })).status;
    expect(await meWith(b.url, copy)).toBe(200);

    // Her own session is checked with the issuer as she goes, without her noticing.
    const signedIn = sessionCookies(sealKey(secret)).read(copy, false) as Session;
    await eventually(async () => {
      const me = await api(browser, a.url, '/api/me');
      expect(me.status).toBe(200);
      expect(setCookies(me).some((c) => c.startsWith('kubevdi-session'))).toBe(true);
    });
    const renewedCopy = browser.cookieHeader(a.url);
    const checked = sessionCookies(sealKey(secret)).read(renewedCopy, false) as Session;
    expect(checked.checkedAt).toBeGreaterThan(signedIn.checkedAt as number);

    // She signs out on one replica. The copy, taken before, is refused on both within the check
    // interval: its refresh token was revoked at the issuer.
    const out = await browser.request(`${a.url}/sign-out`, { method: 'POST', headers: { origin: a.url } });
    expect(out.status).toBe(303);
    await eventually(async () => {
      expect(await meWith(b.url, copy)).toBe(401);
      expect(await meWith(a.url, copy)).toBe(401);
    }, 45_000);
    // And a copy of her renewed session too.
    await eventually(async () => expect(await meWith(b.url, renewedCopy)).toBe(401), 45_000);
  });

  it('signs in and out in Chromium that trusts no private CA, with no token in any URL on the way', async () => {
    await apiServerTrustsIssuer(oidc, ada);
    const { url } = await portal({ secret: randomBytes(48).toString('base64') });
    // As a person's own browser: the provider's HTTPS certificate is from a CA it does not know,
    // and it is not told to ignore that. The provider's pages come from its loopback http origin.
    const context = await chromium().newContext();
    try {
      const visited: string[] = [];
      context.on('request', (r) => visited.push(r.url()));
      const page = await context.newPage();
      await signInWithOidc(page, url, oidc.issuer, ada);
      expect(await page.locator('.who strong').textContent()).toBe('Ada Lovelace');
      expect(await page.locator('.who strong').getAttribute('title')).toBe('Kubernetes user oidc:ada@example.com');

      await page.getByRole('button', { name: 'Sign out' }).click();
      // The provider asks whether to end her session there too (no ID token tells it who asks).
      await page.waitForURL((u) => u.origin === oidc.browserUrl);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${url}/`);
      await page.getByRole('link', { name: 'Sign in' }).waitFor();

      const issuerOrigin = new URL(oidc.issuer).origin;
      expect(visited.filter((u) => new URL(u).origin === issuerOrigin)).toEqual([]);
      expect(visited.some((u) => new URL(u).pathname.startsWith('/session/end'))).toBe(true);
      for (const u of visited) {
        expect(u).not.toMatch(JWT);
        expect(u).not.toContain('id_token_hint');
      }
    } finally {
      await context.close();
    }
  });
});
