// The portal's foundation against the real API server: bearer-token sign-in, sealed cookie
// sessions, CSRF and CSP, and the API — every Kubernetes call made as the signed-in person.
// The portal is given the admin's kubeconfig on purpose: if it ever used its own credentials,
// the people below would see and do what only the admin may.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiError, Claim, ClaimList, CSRF_HEADER, Me, PoolList } from '../src/portal/api-types.js';
import { CONTENT_SECURITY_POLICY } from '../src/portal/security.js';
import type { Portal } from '../src/portal/server.js';
import { applyAs, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { captureLogs, serviceAccountToken, usePortals } from './support/portal.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('portal');
const world = useWorld(namespace);
const { templateWithDisks, pool, readClaim, listClaims } = useDesktops(namespace);

const startPortal = usePortals();

function portal(secret: string, log = captureLogs().log): Promise<Portal> {
  return startPortal({ namespaces: [namespace()], tokenSignIn: true, sessionSecret: secret, log });
}

/** A browser's view of one portal: its cookie jar, and requests from the portal's own pages. */
function browser(base: string) {
  const jar = new Map<string, string>();
  const remember = (response: Response) => {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (/Max-Age=0/.test(header)) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const cookie = () => [...jar].map(([n, v]) => `${n}=${v}`).join('; ');
  return {
    jar,
    async request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
      const response = await fetch(`${base}${path}`, {
        redirect: 'manual',
        ...init,
        headers: { ...(jar.size ? { cookie: cookie() } : {}), ...init.headers },
      });
      remember(response);
      return response;
    },
    /** A JSON API call as the portal's page makes it: own Origin and the CSRF header. */
    api(path: string, method = 'GET', body?: unknown): Promise<Response> {
      return this.request(path, {
        method,
        headers: {
          origin: base,
          [CSRF_HEADER]: '1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    signIn(token: string): Promise<Response> {
      return this.request('/sign-in/token', {
        method: 'POST',
        headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
    },
  };
}

describe('the portal', () => {
  it('signs people in with their token and acts only as them', async () => {
    const ns = namespace();
    const entitled = await serviceAccountToken(namespace(), 'entitled');
    const other = await serviceAccountToken(namespace(), 'other');
    // Both are kubevdi users (see pools and templates, create claims); only one may use a pool.
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kubevdi-users', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
      subjects: ['entitled', 'other'].map((name) => ({ kind: 'ServiceAccount', name, namespace: ns })),
    });
    await templateWithDisks();
    await pool('sales', { displayName: 'Sales desktops', size: 1, access: { users: [entitled.username] } });
    await pool('secret', { size: 0, access: { users: ['nobody'] } });
    await world.operator(['--leader-elect', 'false']);

    const logs = captureLogs();
    const secret = randomBytes(48).toString('base64');
    const { url } = await portal(secret, logs.log);
    const alice = browser(url);

    // Signed out: the sign-in form, with the security headers on every answer.
    const home = await alice.request('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    expect(home.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await home.text();
    expect(html).toContain('action="/sign-in/token"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect((await alice.api('/api/me')).status).toBe(401);

    // A garbage token: the API server says no, the page says why, and there is no session.
    const garbage = await alice.signIn('not-a-token');
    expect(garbage.status).toBe(401);
    expect(await garbage.text()).toContain('did not accept this token');
    expect(garbage.headers.getSetCookie()).toEqual([]);

    // A real token: a sealed session cookie, HttpOnly, SameSite=Lax, not Secure on plain-http 127.0.0.1.
    const signedIn = await alice.signIn(entitled.token);
    expect(signedIn.status).toBe(303);
    const setCookies = signedIn.headers.getSetCookie();
    expect(setCookies.length).toBeGreaterThan(0);
    for (const c of setCookies) {
      expect(c).toMatch(/; HttpOnly/);
      expect(c).toMatch(/; SameSite=Lax/);
      expect(c).toMatch(/; Path=\//);
      expect(c).not.toMatch(/Secure/);
    }
    const cookieText = setCookies.join('\n');
    for (const part of entitled.token.split('.')) expect(cookieText).not.toContain(part.slice(0, 16));
    // It lasts as long as the token (an hour), not longer.
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookies[0] as string)?.[1]);
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);

    // Who: the API server's answer, not the token's claims.
    const me = Me.parse(await (await alice.api('/api/me')).json());
    expect(me.username).toBe(entitled.username);
    expect(me.groups).toContain('system:serviceaccounts');
    expect(await (await alice.request('/')).text()).toContain(entitled.username);

    // Exactly the pool the API server lets them use (once the operator wrote its `use` Role).
    await eventually(async () => {
      const { pools } = PoolList.parse(await (await alice.api('/api/pools')).json());
      expect(pools).toEqual([
        {
          namespace: ns,
          name: 'sales',
          displayName: 'Sales desktops',
          os: { type: 'Linux' },
          available: expect.any(Number),
          maxDesktopsPerUser: 1,
        },
      ]);
    });

    // Cross-site requests change nothing: a foreign Origin, or no CSRF header.
    const foreign = await alice.request('/api/claims', {
      method: 'POST',
      headers: { origin: 'https://evil.example', [CSRF_HEADER]: '1', 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: ns, pool: 'sales' }),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const headerless = await alice.request('/api/claims', {
      method: 'POST',
      headers: { origin: url, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: ns, pool: 'sales' }),
    });
    expect(headerless.status).toBe(403);
    const crossSiteForm = await alice.request('/sign-out', {
      method: 'POST',
      headers: { origin: 'null', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSiteForm.status).toBe(403);
    expect(await listClaims()).toEqual([]);

    // Getting a desktop: a claim made as the person, for the person.
    const created = await alice.api('/api/claims', 'POST', { namespace: ns, pool: 'sales' });
    expect(created.status).toBe(201);
    const claim = Claim.parse(await created.json());
    expect(claim).toMatchObject({ namespace: ns, pool: 'sales', user: entitled.username });
    expect((await readClaim(claim.name)).spec.user).toBe(entitled.username);
    // Their claims: found through the per-claim grant the operator writes (they cannot list claims).
    await eventually(async () => {
      const { claims } = ClaimList.parse(await (await alice.api('/api/claims')).json());
      expect(claims.map((c) => c.name)).toEqual([claim.name]);
    });

    // A second replica with the same secret serves the same session: no sticky sessions.
    const replica = await portal(secret);
    const sameSession = await fetch(`${replica.url}/api/me`, {
      headers: { cookie: [...alice.jar].map(([n, v]) => `${n}=${v}`).join('; ') },
    });
    expect(Me.parse(await sameSession.json()).username).toBe(entitled.username);

    // Someone entitled to nothing sees no pool, and the API server refuses their claim in its own words.
    const oscar = browser(url);
    expect((await oscar.signIn(other.token)).status).toBe(303);
    expect(PoolList.parse(await (await oscar.api('/api/pools')).json()).pools).toEqual([]);
    const refused = await oscar.api('/api/claims', 'POST', { namespace: ns, pool: 'sales' });
    expect(refused.status).toBe(403);
    const refusal = ApiError.parse(await refused.json());
    expect(refusal.kind).toBe('forbidden');
    expect(refusal.error).toContain(`you are not entitled to desktops of pool ${ns}/sales`);
    // ...nor may they release the first person's claim.
    expect((await oscar.api(`/api/claims/${ns}/${claim.name}`, 'DELETE')).status).toBe(403);

    // Giving it back, as the person.
    expect((await alice.api(`/api/claims/${ns}/${claim.name}`, 'DELETE')).status).toBe(204);
    await eventually(async () => expect(await listClaims()).toEqual([]));

    // Signing out deletes the cookies; the browser has no session any more.
    const out = await alice.request('/sign-out', { method: 'POST', headers: { origin: url } });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().every((c) => /Max-Age=0/.test(c))).toBe(true);
    expect(alice.jar.size).toBe(0);
    expect((await alice.api('/api/me')).status).toBe(401);

    // Nothing secret in the log.
    const logged = logs.text();
    expect(logged).toContain('signed in');
    for (const token of [entitled.token, other.token]) expect(logged).not.toContain(token.split('.')[2]?.slice(0, 16));
    for (const value of alice.jar.values()) expect(logged).not.toContain(value.slice(0, 32));
    for (const c of setCookies) expect(logged).not.toContain(c.split(';')[0]?.split('=')[1]?.slice(0, 32));

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/kubevdi_portal_sign_ins_total\{method="token",result="success"\} 2/);
    expect(metrics).toMatch(/kubevdi_portal_sign_ins_total\{method="token",result="rejected"\} 1/);
    expect(metrics).toMatch(/kubevdi_portal_api_errors_total\{kind="csrf"\} 3/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
