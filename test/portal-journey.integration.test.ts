// A working day through the portal, in real Chromium, signed in at the real OpenID provider that
// the real API server trusts, with the operator and the simulator running: ada signs in on the
// provider's own page, gets a desktop, sees its screen, stops and starts it and gives it back;
// grace can neither see nor reach it, nor take a desktop she is not entitled to; the session's
// cookies, headers and pages hold no token; a sign-in that runs out goes round the provider and
// back to the same page. Two portal replicas answer in turn behind one address, as behind a
// Service without sticky sessions. `npm run screenshots` writes the README's pictures from here.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { desktopColour } from '../local/simulator/virt-api/framebuffer.js';
import { DESCRIPTION_ANNOTATION } from '../src/api/annotations.js';
import { API_VERSION } from '../src/api/index.js';
import { consolePagePath } from '../src/portal/console/protocol.js';
import { contentSecurityPolicy } from '../src/portal/security.js';
import { sealKey } from '../src/portal/signin/seal.js';
import { type Session, sessionCookies } from '../src/portal/signin/session.js';
import { axeFindings, problemsOf, signInWithOidc, useChromium } from './support/browser.js';
import { applyAs, bindClusterRole, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { setLoggedInUsers } from './support/guest.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { usePortals } from './support/portal.js';
import { type RoundRobin, roundRobin } from './support/round-robin.js';
import { OIDC_USERS } from './support/users.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('journey');
// Real screens: the console's screenshots show a desktop, not a coloured rectangle.
const world = useWorld(namespace, { screens: 'real' });
const { templateWithDisks, listClaims, vms } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
// Registered after usePortals, so they run first: open pages (event streams, consoles) and the
// round robins go before the portals are stopped, even when a test fails halfway.
const contexts: BrowserContext[] = [];
const fronts: RoundRobin[] = [];
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const front of fronts.splice(0)) await front.close();
});
const oidc = inject('cluster').oidc;
const person = (name: 'ada' | 'grace') => ({ username: name, password: OIDC_USERS[name]?.password as string });

/** `npm run screenshots` writes them where the README shows them; plain test runs leave the tree alone. */
const SCREENSHOTS = process.env.KUBEVDI_SCREENSHOTS
  ? path.join(import.meta.dirname, '..', 'docs', 'images')
  : path.join(tmpdir(), 'kubevdi-screenshots');

/** The canvas's pixel at (x, y) of the desktop's screen, as [r, g, b]; null before the first frame. */
const CANVAS_PIXEL = `(([x, y]) => {
  const canvas = document.querySelector('#screen canvas');
  if (!canvas || canvas.width < 64) return null;
  return [...canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3)];
})`;

interface Replicated {
  front: RoundRobin;
  secret: string;
  /** Stops the replicas and starts two new ones behind the same address, with the same secret. */
  restart(): Promise<void>;
}

/** Two replicas with one session secret behind a round robin; the address people open is the round robin's. */
async function replicatedPortal(clientId = oidc.clientId): Promise<Replicated> {
  const secret = randomBytes(48).toString('base64');
  // The public URL must be known before the replicas start (redirect URI, origin checks).
  const front = await roundRobin();
  fronts.push(front);
  const replicas = async () =>
    Promise.all(
      [0, 1].map(() =>
        startPortal({
          namespaces: [namespace()],
          publicUrl: front.url,
          oidc: { issuer: oidc.issuer, clientId, clientSecret: oidc.clientSecret, caPem: oidc.caPem },
          sessionSecret: secret,
          log: pino({ level: 'warn' }),
        }),
      ),
    );
  let running = await replicas();
  front.route(running.map((r) => r.url));
  return {
    front,
    secret,
    async restart() {
      for (const replica of running) await replica.stop();
      running = await replicas();
      front.route(running.map((r) => r.url));
    },
  };
}

/** From the portal's sign-in page through the provider's own login form, back to the portal. */
function signIn(page: Page, url: string, who: 'ada' | 'grace'): Promise<void> {
  return signInWithOidc(page, url, oidc.issuer, person(who));
}

/** The session inside the portal's cookies, opened with the secret the replicas share. */
async function sessionOf(context: BrowserContext, url: string, secret: string): Promise<Session> {
  const header = (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join('; ');
  const session = sessionCookies(sealKey(secret)).read(header, false);
  if (!session) throw new Error('no session in the browser');
  return session;
}

async function newPage(options: { width?: number; height?: number } = {}): Promise<Page> {
  const context = await chromium().newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: 'light',
    // No ignoreHTTPSErrors: the provider's pages for browsers are on plain http on loopback, as
    // in `kubevdi dev`, so sign-in works in a browser that trusts no private CA.
  });
  contexts.push(context);
  return context.newPage();
}

/** The origins a navigation passed through, following its redirects back to where it started. */
function redirectsOf(request: Request | null | undefined): string[] {
  const origins: string[] = [];
  for (let r = request; r; r = r.redirectedFrom()) origins.push(new URL(r.url()).origin);
  return origins;
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage });
}

async function entitleAdaOnly(): Promise<void> {
  const ns = namespace();
  await bindClusterRole(ns, 'kubevdi:user', 'oidc:vdi-users');
  await bindClusterRole(ns, 'kubevdi:user', 'oidc:vdi-admins');
  await templateWithDisks();
  await applyAs()({
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: {
      name: 'sales',
      namespace: ns,
      annotations: { [DESCRIPTION_ANNOTATION]: 'Fedora workstation with the sales team’s tools' },
    },
    spec: {
      templateRef: { name: 'fedora' },
      displayName: 'Sales desktops',
      size: 2,
      prestarted: 1,
      access: { groups: ['oidc:vdi-users'] },
    },
  });
}

describe('a working day through the portal', () => {
  it('ada gets a desktop, sees its screen, stops, starts and returns it; grace cannot reach it', async () => {
    const ns = namespace();
    await entitleAdaOnly();
    await world.start(['--leader-elect', 'false', '--session-poll-interval', '0.5s']);
    await apiServerTrustsIssuer(oidc, person('ada'));
    const { front, secret } = await replicatedPortal();
    const url = front.url;

    // The sign-in page, then the provider's own form.
    const page = await newPage();
    const problems = problemsOf(page);
    const served: { url: string; type: string; body: Buffer }[] = [];
    page.on('response', async (r) => {
      const type = r.headers()['content-type'] ?? '';
      if (new URL(r.url()).origin !== url || /event-stream/.test(type) || r.status() >= 300) return;
      served.push({ url: r.url(), type, body: await r.body().catch(() => Buffer.alloc(0)) });
    });
    const first = await page.goto(url);
    // The provider is the one other place a form may go (its login page), nothing else.
    expect(first?.headers()['content-security-policy']).toBe(contentSecurityPolicy(new URL(oidc.issuer).origin));
    expect(await axeFindings(page)).toEqual([]);
    await shoot(page, 'portal-sign-in-1280.png');
    // The provider's login page of `kubevdi dev` and the tests is ours too: usable by everyone.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').waitFor();
    expect(await axeFindings(page)).toEqual([]);
    await signIn(page, url, 'ada');
    expect(await page.getByText('Signed in as').textContent()).toContain('oidc:ada@example.com');

    // Exactly the pool she is entitled to.
    const pools = page.locator('#pools > li');
    await eventually(async () => {
      await page.reload();
      await pools.first().waitFor({ timeout: 2000 });
    });
    expect(await pools.count()).toBe(1);
    expect(await pools.first().getByRole('heading').textContent()).toBe('Sales desktops');

    // Get desktop: live progress to ready, no reload.
    await page.evaluate('window.stayed = true');
    await pools.first().getByRole('button', { name: 'Get desktop' }).click();
    const card = page.locator('#claims > li').first();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    expect(await page.evaluate('window.stayed')).toBe(true);
    const [claim] = await listClaims();
    expect(claim?.spec.user).toBe('oidc:ada@example.com');
    const claimName = claim?.metadata?.name as string;
    const desktop = claim?.status?.desktop?.name as string;

    // She logs on inside the guest: the card says so.
    await setLoggedInUsers(kubeconfig(), ns, desktop, ['ada']);
    await card.getByText(/ada/).first().waitFor({ timeout: 30_000 });
    expect(await axeFindings(page)).toEqual([]);
    await shoot(page, 'portal-desktops-1280.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await shoot(page, 'portal-desktops-1280-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'portal-desktops-390.png', true);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Connect: the simulator's screen is drawn on the canvas.
    await card.getByRole('link', { name: 'Connect' }).click();
    await page.waitForURL(`${url}${consolePagePath(ns, desktop)}`);
    await page.getByText('Connected.').waitFor({ timeout: 30_000 });
    const colour = [...desktopColour(`${ns}/${desktop}`)];
    await eventually(async () => expect(await page.evaluate(`${CANVAS_PIXEL}([32, 24])`)).toEqual(colour));
    expect(await axeFindings(page)).toEqual([]);
    await shoot(page, 'portal-console-1280.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'portal-console-390.png');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Grace, signed in elsewhere: no pool, no desktop, and ada's cannot be reached by URL or by
    // replaying ada's requests with her own session.
    const other = await newPage();
    await signIn(other, url, 'grace');
    await other.locator('#pools-empty').waitFor();
    expect(await other.locator('#pools > li').count()).toBe(0);
    expect(await other.locator('#claims > li').count()).toBe(0);
    await other.goto(`${url}${consolePagePath(ns, desktop)}`);
    await other.getByText('You may not open this desktop’s console.').waitFor({ timeout: 30_000 });
    // Ada's console is still there, undisturbed.
    expect(await page.getByText('Connected.').count()).toBe(1);
    const replay = async (pathname: string, method: string, body?: unknown) =>
      (await other.evaluate(
        async ([p, m, b]) => {
          const r = await fetch(p as string, {
            method: m as string,
            headers: { 'x-kubevdi-csrf': '1', ...(b ? { 'content-type': 'application/json' } : {}) },
            ...(b ? { body: JSON.stringify(b) } : {}),
          });
          return { status: r.status, body: await r.text() };
        },
        [pathname, method, body] as const,
      )) as { status: number; body: string };
    const claims = await replay('/api/claims', 'GET');
    expect(JSON.parse(claims.body)).toEqual({ claims: [] });
    expect((await replay(`/api/claims/${ns}/${claimName}`, 'DELETE')).status).toBe(403);
    expect((await replay(`/api/desktops/${ns}/${desktop}/stop`, 'POST')).status).toBe(403);
    // Not entitled: refused by the API server's admission policy, in its words, even when posted directly.
    const taken = await replay('/api/claims', 'POST', { namespace: ns, pool: 'sales' });
    expect(taken.status).toBe(403);
    expect(JSON.parse(taken.body).error).toContain(`you are not entitled to desktops of pool ${ns}/sales`);
    expect((await listClaims()).map((c) => c.metadata?.name)).toEqual([claimName]);
    await other.context().close();

    // Back to her desktops: stop (asked to confirm), start.
    await page.goto(url);
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor();
    await card.getByRole('button', { name: 'Stop', exact: true }).click();
    const confirm = page.getByRole('dialog');
    await confirm.waitFor();
    expect(await axeFindings(page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Stop desktop' }).click();
    await eventually(async () => {
      const vm = (await vms()).find((v) => v.metadata?.name === desktop);
      expect(vm?.spec?.runStrategy).toBe('Halted');
    });
    await card.getByText('Stopped').first().waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: 'Start', exact: true }).click();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });

    // Log off and return: the card goes, the claim goes, and the API server refuses her console.
    await card.getByRole('button', { name: 'Log off and return' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Log off and return' }).click();
    await page.locator('#claims > li').first().waitFor({ state: 'detached', timeout: 30_000 });
    await eventually(async () => expect(await listClaims()).toEqual([]), 30_000);
    await page.goto(`${url}${consolePagePath(ns, desktop)}`);
    await page.getByText('You may not open this desktop’s console.').waitFor({ timeout: 30_000 });

    // Whatever the replicas served her, none of it holds her token; her page cannot read it either.
    const { token } = await sessionOf(page.context(), url, secret);
    const signature = token.split('.')[2] as string;
    expect(served.length).toBeGreaterThan(5);
    for (const response of served) expect(response.body.toString('latin1')).not.toContain(signature);
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate('JSON.stringify([localStorage.length, sessionStorage.length])')).toBe('[0,0]');
    const cookies = await page.context().cookies(url);
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) {
      expect(c).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      // Plain http on loopback: a Secure cookie would never come back (https gets __Host- and Secure).
      expect(c.secure).toBe(false);
    }
    // Both replicas answered her, and no request failed but the ones meant to.
    for (const count of front.served.values()) expect(count).toBeGreaterThan(3);
    // (noVNC reports the last, refused console on the page's console, as it should.)
    expect(problems.filter((p) => !/status of 403|^403 /.test(p))).toEqual([
      expect.stringContaining('code: 4403, reason: you may not open this desktop’s console'),
    ]);
  }, 300_000);

  it('refuses a cross-site form, and sends an expired sign-in round the provider back to the same page', async () => {
    const ns = namespace();
    await entitleAdaOnly();
    await world.start(['--leader-elect', 'false']);
    await apiServerTrustsIssuer(oidc, person('ada'));
    const { front, secret } = await replicatedPortal(oidc.shortLivedClientId);
    const url = front.url;
    const page = await newPage();
    await signIn(page, url, 'ada');

    // Another site's page posts to the portal with her cookies (127.0.0.1 on another port is the
    // same site, so SameSite=Lax sends them): refused, nothing created, still signed in.
    const evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>Win a prize</title>
<form method="post" action="${url}/api/claims" enctype="text/plain">
<input name='{"namespace":"${ns}","pool":"sales","x":"' value='"}'><button>Claim</button></form>
<form method="post" action="${url}/sign-out"><button>Out</button></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    for (const button of ['Claim', 'Out']) {
      await page.goto(evilUrl);
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(url)),
        page.getByRole('button', { name: button }).click(),
      ]);
      expect(answer.status()).toBe(403);
    }
    evil.close();
    expect(await listClaims()).toEqual([]);
    await page.goto(`${url}/?view=desktops`);
    await page.getByText('Signed in as').waitFor();

    // Her ID token lives 2 s. Renewal fails (the issuer refuses the refresh token): the next
    // page load goes through sign-in at the provider (still signed in there) and back to it.
    // deadSession: her session as the portal reads it, run out, with a refresh token the issuer refuses.
    const deadSession = async () => {
      const session = await sessionOf(page.context(), url, secret);
      const dead = { ...session, refreshToken: 'not-a-refresh-token', expiresAt: Date.now() - 1000 };
      const pairs = sessionCookies(sealKey(secret))
        .write(dead, undefined, false)
        .map((c) => c.split(';')[0] ?? '');
      return { before: session.token, pairs };
    };
    // Off the portal while the cookie is swapped, so the page's own calls cannot get there first.
    await page.goto('about:blank');
    const { before, pairs } = await deadSession();
    await page.context().addCookies(
      pairs.map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url };
      }),
    );
    const reloaded = await page.goto(`${url}/?view=desktops`);
    await page.getByText('Signed in as').waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/?view=desktops');
    // The provider still knows her: it only redirects back, so the way shows in the redirects.
    expect(redirectsOf(reloaded?.request())).toContain(oidc.browserUrl);
    expect((await sessionOf(page.context(), url, secret)).token).not.toBe(before);

    // The same from the page's own API call: a click after expiry goes round and comes back.
    // The page renews her 2-second tokens all the time (its live updates reconnect), and an answer
    // in flight would write a live cookie over one planted in the browser; so the dead session
    // rides on the click's own request instead (sent from the test's side: Chromium keeps the jar's
    // cookies on a request the page sends, whatever a route says).
    const getDesktop = page.locator('#pools > li').first().getByRole('button', { name: 'Get desktop' });
    await getDesktop.waitFor({ timeout: 30_000 });
    await eventually(async () => expect(await getDesktop.isEnabled()).toBe(true), 30_000);
    const dead = await deadSession();
    const claimsApi = `${url}/api/claims`;
    await page.route(claimsApi, async (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            response: await route.fetch({ headers: { ...route.request().headers(), cookie: dead.pairs.join('; ') } }),
          })
        : route.continue(),
    );
    const [back, refused] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${url}/?view=desktops` && r.request().isNavigationRequest(), {
        timeout: 60_000,
      }),
      page.waitForResponse((r) => r.url() === claimsApi && r.request().method() === 'POST', { timeout: 60_000 }),
      getDesktop.click(),
    ]);
    await page.unroute(claimsApi);
    expect(refused.status()).toBe(401);
    expect(redirectsOf(back.request())).toContain(oidc.browserUrl);
    await page.getByText('Signed in as').waitFor();
    expect(await listClaims()).toEqual([]);
  }, 180_000);

  it('a dedicated desktop stays hers across a restart of the operator, the portal and the desktop', async () => {
    const ns = namespace();
    await bindClusterRole(ns, 'kubevdi:user', 'oidc:vdi-users');
    await templateWithDisks();
    await applyAs()({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name: 'engineering', namespace: ns },
      spec: {
        templateRef: { name: 'fedora' },
        displayName: 'Engineering workstations',
        size: 2,
        assignment: 'Manual',
        persistence: 'Persistent',
        access: { groups: ['oidc:vdi-users'] },
      },
    });
    const operator = await world.start(['--leader-elect', 'false']);
    await apiServerTrustsIssuer(oidc, person('ada'));
    const portal = await replicatedPortal();
    const page = await newPage();
    await signIn(page, portal.front.url, 'ada');
    const pool = page.locator('#pools > li').first();
    await eventually(async () => {
      await page.reload();
      await pool.waitFor({ timeout: 2000 });
    });
    await pool.getByRole('button', { name: 'Get desktop' }).click();
    const card = page.locator('#claims > li').first();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    const [claim] = await listClaims();
    const desktop = claim?.status?.desktop?.name as string;
    expect(await card.textContent()).toContain(desktop);

    // Everything restarts: the operator (killed), both portal replicas, and the desktop itself.
    expect(await operator.kill('SIGKILL')).toBe('SIGKILL');
    await portal.restart();
    await world.operator(['--leader-elect', 'false']);
    await page.reload();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 30_000 });
    expect(await card.textContent()).toContain(desktop);
    await card.getByRole('button', { name: 'Restart', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restart desktop' }).click();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    expect(await card.textContent()).toContain(desktop);
    expect((await listClaims()).map((c) => c.status?.desktop?.name)).toEqual([desktop]);
  }, 180_000);
});
