// The console through the portal, against the real API server, the simulator's virt-api and the
// operator: the browser's websocket goes to the portal, which opens KubeVirt's `vnc` subresource
// as the signed-in person. The RFB client here is the one the other tests use on the API server.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { SCREEN_SIZE, TERMINAL_PIXEL } from '../local/simulator/screen/desktop.js';
import { desktopColour } from '../local/simulator/virt-api/framebuffer.js';
import { ACTIVITY_ANNOTATION } from '../src/api/annotations.js';
import { ActivityAnswer, Claim, ClaimList, CSRF_HEADER } from '../src/portal/api-types.js';
import { CONSOLE_CLOSE, consolePagePath, consoleSocketPath } from '../src/portal/console/protocol.js';
import { CONTENT_SECURITY_POLICY } from '../src/portal/security.js';
import { sealKey } from '../src/portal/signin/seal.js';
import { sessionCookies } from '../src/portal/signin/session.js';
import { applyAs, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { apiServerTrustsIssuer, signIn as signInAtIssuer } from './support/oidc-login.js';
import { captureLogs, serviceAccountToken, usePortals } from './support/portal.js';
import { browserCookies, signInWithToken } from './support/portal-client.js';
import { OIDC_USERS } from './support/users.js';
import { rfbOver, VncClosed, VncRefused } from './support/vnc.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('portal-console');
// Real screens: the console page's noVNC draws a real X server's picture (TigerVNC's encodings).
const world = useWorld(namespace, { screens: 'real' });
const { templateWithDisks, pool, readClaim } = useDesktops(namespace);

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});

/** The console canvas's pixels at (x, y) of the desktop's screen, as [r, g, b]. */
const CANVAS_PIXEL = `(([x, y]) => {
  const canvas = document.querySelector('#screen canvas');
  if (!canvas || canvas.width < 64) return null;
  return [...canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3)];
})`;

const startPortal = usePortals();

/** Signs in with a token and returns the session's cookie header. */
const signIn = async (base: string, token: string) => (await signInWithToken(base, token)).cookie;

function api(base: string, cookie: string, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      cookie,
      origin: base,
      [CSRF_HEADER]: '1',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The console websocket as the portal's page opens it: same origin, the session cookie. */
function consoleSocket(base: string, ns: string, desktop: string, headers: Record<string, string>, takeOver = false) {
  return new WebSocket(`${base.replace(/^http/, 'ws')}${consoleSocketPath(ns, desktop, takeOver)}`, {
    headers,
  });
}

/** A claim of pool `sales` through the portal as the page makes it, and its desktop once ready. */
async function takeDesktop(url: string, cookie: string, ns: string): Promise<{ claim: string; desktop: string }> {
  const created = await eventually(async () => {
    const response = await api(url, cookie, '/api/claims', 'POST', { namespace: ns, pool: 'sales' });
    expect(response.status).toBe(201);
    return Claim.parse(await response.json());
  });
  const desktop = await eventually(async () => {
    const { claims } = ClaimList.parse(await (await api(url, cookie, '/api/claims')).json());
    const claim = claims.find((c) => c.name === created.name);
    expect(claim?.desktop?.ready).toBe(true);
    return claim?.desktop?.name as string;
  }, 60_000);
  return { claim: created.name, desktop };
}

describe('the console through the portal', () => {
  it('shows the desktop to its holder, one console at a time, and to nobody once it is given back', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kubevdi-users', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
      subjects: [{ kind: 'ServiceAccount', name: 'alice', namespace: ns }],
    });
    await templateWithDisks();
    await pool('sales', { size: 1, access: { users: [alice.username] } });
    await world.start(['--leader-elect', 'false']);

    const { log, text: loggedText } = captureLogs();
    const portal = await startPortal({
      log,
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48),
    });
    const { url } = portal;
    const cookie = await signIn(url, alice.token);

    // Get a desktop and wait for it to be ready.
    const { claim: claimName, desktop } = await takeDesktop(url, cookie, ns);

    const own = { origin: url, cookie };
    // The console: the desktop's real screen, named after it, its colour on the root window.
    const first = await eventually(() => rfbOver(consoleSocket(url, ns, desktop, own)));
    expect(first).toMatchObject({ name: `${ns}/${desktop}`, ...SCREEN_SIZE, bitsPerPixel: 32 });
    expect(first.pixels.length).toBe(SCREEN_SIZE.width * SCREEN_SIZE.height * 4);
    expect(first.rgb(32, 24)).toEqual([...desktopColour(`${ns}/${desktop}`)]);

    // An open console counts as activity: the portal says so on the claim that holds the desktop, as alice.
    const activity = await eventually(async () => {
      const value = (await readClaim(claimName)).metadata?.annotations?.[ACTIVITY_ANNOTATION];
      expect(value).toBeDefined();
      return value;
    }, 15_000);
    expect(Date.parse(activity as string)).toBeGreaterThan(Date.now() - 60_000);

    // The desktop's routes, as alice: the API server decides. Her own claim's activity, yes; a
    // desktop that is not hers, no (in its words); a pool without RDP has no .rdp file; and
    // nothing changes without the portal's CSRF header.
    const said = await api(url, cookie, `/api/claims/${ns}/${claimName}/activity`, 'POST');
    expect(said.status).toBe(200);
    expect(ActivityAnswer.parse(await said.json()).activity).toMatch(/^\d{4}-/);
    const notHers = await api(url, cookie, `/api/desktops/${ns}/sales-9/stop`, 'POST');
    expect(notHers.status).toBe(403);
    expect(((await notHers.json()) as { error: string }).error).toContain('cannot update resource');
    expect((await api(url, cookie, `/api/desktops/${ns}/${desktop}/explode`, 'POST')).status).toBe(400);
    expect((await api(url, cookie, `/api/claims/${ns}/${claimName}/rdp`)).status).toBe(404);
    const forged = await fetch(`${url}/api/desktops/${ns}/${desktop}/stop`, {
      method: 'POST',
      headers: { cookie, origin: url },
    });
    expect(forged.status).toBe(403);

    // A second tab is told the console is open elsewhere, and the first stays open.
    const second = await rfbOver(consoleSocket(url, ns, desktop, own)).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(VncClosed);
    expect(second).toMatchObject({ code: CONSOLE_CLOSE.inUse.code, reason: CONSOLE_CLOSE.inUse.reason });
    let firstClosed: number | undefined;
    void first.closed.then((code) => {
      firstClosed = code;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(firstClosed).toBeUndefined();

    // Taking over moves it: the new one gets the screen, the first is closed with words for it.
    const taken = await rfbOver(consoleSocket(url, ns, desktop, own, true));
    expect(taken.width).toBe(SCREEN_SIZE.width);
    expect(await first.closed).toBe(CONSOLE_CLOSE.ended.code);

    // Refused before upgrading: another site's page, or no session.
    const foreign = await rfbOver(consoleSocket(url, ns, desktop, { origin: 'https://evil.example', cookie })).catch(
      (err: unknown) => err,
    );
    expect(foreign).toBeInstanceOf(VncRefused);
    expect((foreign as VncRefused).status).toBe(403);
    const anonymous = await rfbOver(consoleSocket(url, ns, desktop, { origin: url })).catch((err: unknown) => err);
    expect(anonymous).toBeInstanceOf(VncRefused);
    expect((anonymous as VncRefused).status).toBe(401);

    // Not a desktop at all.
    const missing = await rfbOver(consoleSocket(url, ns, 'no-such-desktop', own)).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(VncClosed);
    expect([CONSOLE_CLOSE.forbidden.code, CONSOLE_CLOSE.notFound.code]).toContain((missing as VncClosed).code);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/kubevdi_portal_console_sessions\{protocol="vnc"} 1\b/);
    expect(metrics).toMatch(/kubevdi_portal_console_sessions_opened_total\{protocol="vnc",result="opened"\} 2/);
    expect(metrics).toMatch(/kubevdi_portal_console_sessions_opened_total\{protocol="vnc",result="in-use"\} 1/);
    expect(metrics).toMatch(/kubevdi_portal_console_sessions_opened_total\{protocol="vnc",result="foreign-origin"\} 1/);
    expect(metrics).toMatch(/kubevdi_portal_console_sessions_opened_total\{protocol="vnc",result="signed-out"\} 1/);

    // The console page in Chromium: told the console is open elsewhere, it takes it over, and
    // noVNC draws the simulator's screen on its canvas — under the portal's strict CSP.
    const context = await browser.newContext();
    await context.addCookies(browserCookies(cookie, url));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    const response = await page.goto(`${url}${consolePagePath(ns, desktop)}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await page.getByText('The console is open elsewhere.').waitFor();
    await page.getByRole('button', { name: 'Take over' }).click();
    await page.getByText('Connected.').waitFor();
    expect(await taken.closed).toBe(CONSOLE_CLOSE.ended.code);
    const colour = [...desktopColour(`${ns}/${desktop}`)];
    await eventually(async () => expect(await page.evaluate(`${CANVAS_PIXEL}([32, 24])`)).toEqual(colour));
    // ... and the desktop's terminal where it is.
    await eventually(async () =>
      expect(await page.evaluate(`${CANVAS_PIXEL}([${TERMINAL_PIXEL.x}, ${TERMINAL_PIXEL.y}])`)).not.toEqual(colour),
    );
    await page.getByRole('button', { name: 'Send Ctrl+Alt+Del' }).click();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('Disconnected. The desktop keeps running').waitFor();
    await eventually(async () =>
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
        /kubevdi_portal_console_sessions\{protocol="vnc"} 0\b/,
      ),
    );
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByText('Connected.').waitFor();

    // Given back: the API server refuses the console (the grant went with the claim), in plain words.
    expect((await api(url, cookie, `/api/claims/${ns}/${claimName}`, 'DELETE')).status).toBe(204);
    await eventually(async () => {
      const refused = await rfbOver(consoleSocket(url, ns, desktop, own, true)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(VncClosed);
      expect(refused).toMatchObject({ code: CONSOLE_CLOSE.forbidden.code, reason: CONSOLE_CLOSE.forbidden.reason });
    }, 10_000);
    // The page's open console may already have ended (a released desktop is reset) and its retry
    // been refused; either way, connecting again is refused in plain words.
    await page
      .getByRole('button', { name: 'Disconnect' })
      .click({ timeout: 2000 })
      .catch(() => {});
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByText('You may not open this desktop’s console.').waitFor();
    expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    await context.close();

    // The console's log lines name the desktop, never the token or the cookie.
    const text = loggedText();
    expect(text).toContain('console opened');
    expect(text).toContain('console refused');
    expect(text).not.toContain(alice.token.split('.')[2]?.slice(0, 16));
    for (const pair of cookie.split('; ')) expect(text).not.toContain(pair.split('=')[1]?.slice(0, 32));
    await eventually(async () =>
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
        /kubevdi_portal_console_sessions\{protocol="vnc"} 0\b/,
      ),
    );
  }, 180_000);

  it('ends an open console within seconds of its grant going, so the next holder can open it', async () => {
    // The attack: in an Automatic + Persistent pool, alice opens the console and gives the desktop
    // back; her console stayed open (the API server checked the grant only when it opened) and bob,
    // who got the desktop next, was told "the console is open elsewhere".
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    const bob = await serviceAccountToken(ns, 'bob');
    const pam = await serviceAccountToken(ns, 'pam');
    const bind = (role: string, name: string) =>
      applyAs()({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${role.replace(':', '-')}-${name}`, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      });
    await Promise.all([bind('kubevdi:user', 'alice'), bind('kubevdi:user', 'bob'), bind('kubevdi:pool-admin', 'pam')]);
    await templateWithDisks();
    // Kept warm (prestarted): the desktop runs on after it is given back, and so would its console.
    await pool('sales', {
      size: 1,
      prestarted: 1,
      assignment: 'Automatic',
      persistence: 'Persistent',
      access: { users: [alice.username, bob.username] },
    });
    await world.start(['--leader-elect', 'false']);
    const { url } = await startPortal({ namespaces: [ns], tokenSignIn: true, sessionSecret: randomBytes(48) });
    const aliceCookie = await signIn(url, alice.token);
    const bobCookie = await signIn(url, bob.token);
    const pamCookie = await signIn(url, pam.token);

    const take = (cookie: string) => takeDesktop(url, cookie, ns);
    /** Resolves with the console's close code, or undefined if it is still open after `ms`. */
    const closedWithin = (console: { closed: Promise<number> }, ms: number) =>
      Promise.race([console.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

    // alice opens the console (without taking over: as the page does first), then gives the desktop back.
    const a = await take(aliceCookie);
    const aliceConsole = await eventually(() =>
      rfbOver(consoleSocket(url, ns, a.desktop, { origin: url, cookie: aliceCookie })),
    );
    expect((await api(url, aliceCookie, `/api/claims/${ns}/${a.claim}`, 'DELETE')).status).toBe(204);
    // Ended by the portal, in words the page shows, well before the 30 s backstop would have.
    expect(await closedWithin(aliceConsole, 25_000)).toBe(CONSOLE_CLOSE.revoked.code);

    // bob gets the same desktop and opens its console: no "open elsewhere".
    const b = await take(bobCookie);
    expect(b.desktop).toBe(a.desktop);
    const bobConsole = await eventually(async () => {
      const opened = await rfbOver(consoleSocket(url, ns, b.desktop, { origin: url, cookie: bobCookie })).catch(
        (err: unknown) => err,
      );
      if (opened instanceof VncClosed) expect(opened.code).not.toBe(CONSOLE_CLOSE.inUse.code);
      if (opened instanceof Error) throw opened;
      return opened as Awaited<ReturnType<typeof rfbOver>>;
    }, 20_000);
    expect(bobConsole.width).toBe(SCREEN_SIZE.width);

    // A pool admin releases bob's desktop from the Admin Portal: bob's console ends as well.
    expect((await api(url, pamCookie, `/api/admin/claims/${ns}/${b.claim}`, 'DELETE', {})).status).toBe(204);
    expect(await closedWithin(bobConsole, 25_000)).toBe(CONSOLE_CLOSE.revoked.code);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/kubevdi_portal_console_sessions_ended_total\{protocol="vnc",by="revoked"\} 2\b/);
    expect(metrics).toMatch(/kubevdi_portal_console_sessions\{protocol="vnc"} 0\b/);

    // A grant that goes without the desktop changing (pam is no longer a pool admin) is found by
    // the backstop: a portal that asks every second ends pam's console.
    const often = await startPortal({
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48),
      consoleRecheckMs: 1000,
    });
    const pamOften = await signIn(often.url, pam.token);
    const pamConsole = await eventually(() =>
      rfbOver(consoleSocket(often.url, ns, b.desktop, { origin: often.url, cookie: pamOften })),
    );
    await kubeconfig()
      .makeApiClient(RbacAuthorizationV1Api)
      .deleteNamespacedRoleBinding({ name: 'kubevdi-pool-admin-pam', namespace: ns });
    expect(await closedWithin(pamConsole, 25_000)).toBe(CONSOLE_CLOSE.revoked.code);

    // A token the API server no longer takes (alice's ServiceAccount deleted) ends her console
    // too, with the words that send the page through sign-in.
    const again = await take(aliceCookie);
    const aliceOften = await signIn(often.url, alice.token);
    const aliceAgain = await eventually(() =>
      rfbOver(consoleSocket(often.url, ns, again.desktop, { origin: often.url, cookie: aliceOften })),
    );
    await kubeconfig().makeApiClient(CoreV1Api).deleteNamespacedServiceAccount({ name: 'alice', namespace: ns });
    expect(await closedWithin(aliceAgain, 25_000)).toBe(CONSOLE_CLOSE.signInRequired.code);
    expect(await (await fetch(`${often.url}/metrics`)).text()).toMatch(
      /kubevdi_portal_console_sessions_ended_total\{protocol="vnc",by="signed-out"\} 1\b/,
    );
  }, 240_000);

  it('keeps an open console through the renewal of a short-lived OIDC sign-in', async () => {
    // The guard asks the API server with the token the console was opened with; once that ID
    // token runs out the API server refuses it (4401), although the sign-in itself renews. The
    // page opens the console again at once (the upgrade renews the sign-in), and sends the person
    // to the issuer only when that fails.
    const ns = namespace();
    const oidc = inject('cluster').oidc;
    const ada = { username: 'ada', password: OIDC_USERS.ada?.password ?? '' };
    await apiServerTrustsIssuer(oidc, ada);
    const username = 'oidc:ada@example.com';
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kubevdi-user-ada', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: username }],
    });
    await templateWithDisks();
    await pool('sales', { size: 1, access: { users: [username] } });
    await world.start(['--leader-elect', 'false']);
    const secret = randomBytes(48);
    const { url } = await startPortal({
      namespaces: [ns],
      oidc: {
        issuer: oidc.issuer,
        clientId: oidc.shortLivedClientId,
        clientSecret: oidc.clientSecret,
        caPem: oidc.caPem,
      },
      sessionSecret: secret,
      consoleRecheckMs: 500,
    });
    // Her session as the portal's callback would have written it: ID tokens that live 2 s.
    const tokens = await signInAtIssuer(oidc, { ...ada, clientId: oidc.shortLivedClientId });
    const now = Date.now();
    const setCookies = sessionCookies(sealKey(secret)).write(
      {
        method: 'oidc',
        token: tokens.id_token,
        refreshToken: tokens.refresh_token,
        expiresAt: now + 2000,
        keepUntil: now + 3_600_000,
        signedInAt: now,
      },
      undefined,
      false,
    );
    const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
    const { desktop } = await takeDesktop(url, cookie, ns);

    const context = await browser.newContext();
    try {
      await context.addCookies(
        setCookies.map((c) => {
          const [pair = ''] = c.split(';');
          const eq = pair.indexOf('=');
          return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url };
        }),
      );
      const page = await context.newPage();
      const left: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame() && !frame.url().startsWith(`${url}${consolePagePath(ns, desktop)}`))
          left.push(frame.url());
      });
      await page.goto(`${url}${consolePagePath(ns, desktop)}`);
      await page.getByText('Connected.').waitFor({ timeout: 30_000 });
      // The guard ends the console once the token it was opened with has run out …
      await eventually(async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(/kubevdi_portal_console_sessions_ended_total\{protocol="vnc",by="signed-out"\} [1-9]/);
      }, 30_000);
      // … and the page is connected again, on the same page, without a trip to the issuer.
      await eventually(async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(
          /kubevdi_portal_console_sessions_opened_total\{protocol="vnc",result="opened"\} ([2-9]|\d\d)/,
        );
      }, 30_000);
      await page.getByText('Connected.').waitFor({ timeout: 30_000 });
      expect(left).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
