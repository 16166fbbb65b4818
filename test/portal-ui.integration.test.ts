// The user's page in a real browser (Debian's Chromium driven by playwright-core) against the
// portal run from source (it bundles its front end in memory on start), the real API server, the
// operator and the simulator: a person sees exactly the pool they are entitled to, gets a desktop,
// watches it become ready without a reload (Server-Sent Events), gives it back; the API server's
// refusal is shown in its own words; axe-core finds nothing serious; screenshots are written.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { DESCRIPTION_ANNOTATION } from '../src/portal/pools.js';
import { applyAs, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { serviceAccountToken, usePortals } from './support/portal.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('portal-ui');
const world = useWorld(namespace);
const { templateWithDisks, listClaims } = useDesktops(namespace);
/** `npm run screenshots` writes them where the README shows them; plain test runs leave the tree alone. */
const SCREENSHOTS = process.env.KUBEVDI_SCREENSHOTS
  ? path.join(import.meta.dirname, '..', 'docs', 'images')
  : path.join(tmpdir(), 'kubevdi-screenshots');

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});
const startPortal = usePortals();

async function salesPool(users: string[]): Promise<void> {
  await applyAs()({
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: {
      name: 'sales',
      namespace: namespace(),
      annotations: { [DESCRIPTION_ANNOTATION]: 'Fedora workstation with the sales team’s tools' },
    },
    spec: { templateRef: { name: 'fedora' }, displayName: 'Sales desktops', size: 1, access: { users } },
  });
}

/** Signs in on the portal's own form, as a person pasting their token would. */
async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
}

/** axe-core's serious and critical findings on the page as it is now. */
async function axeFindings(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axe.source);
  const results = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as axe.AxeResults;
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

describe('the user portal in a browser', () => {
  it('shows the entitled pool, gets a desktop, follows it live to ready and gives it back', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    const oscar = await serviceAccountToken(ns, 'oscar');
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kubevdi-users', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
      subjects: ['alice', 'oscar'].map((name) => ({ kind: 'ServiceAccount', name, namespace: ns })),
    });
    await templateWithDisks();
    await salesPool([alice.username]);
    await applyAs()({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name: 'secret', namespace: ns },
      spec: { templateRef: { name: 'fedora' }, size: 0, access: { users: ['nobody'] } },
    });
    await world.start(['--leader-elect', 'false']);

    const portal = await startPortal({
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48).toString('base64'),
      log: pino({ level: 'warn' }),
    });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });

    await signIn(page, portal.url, alice.token);

    // Exactly the entitled pool, once the operator wrote its `use` Role.
    const pools = page.locator('#pools > li');
    await eventually(async () => {
      await page.reload();
      await pools.first().waitFor({ timeout: 2000 });
    });
    expect(await pools.count()).toBe(1);
    const card = pools.first();
    expect(await card.getByRole('heading').textContent()).toBe('Sales desktops');
    expect(await card.textContent()).toContain('Linux');
    expect(await card.textContent()).toContain('Fedora workstation with the sales team’s tools');
    expect(await page.locator('#claims-empty').textContent()).toContain('You hold no desktop');

    // Get desktop: the card appears and walks to "Ready to connect" with no reload of the page.
    await page.evaluate('window.stayed = true');
    await card.getByRole('button', { name: 'Get desktop' }).click();
    const claim = page.locator('#claims > li');
    await claim.first().waitFor();
    await claim.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    expect(await page.evaluate('window.stayed')).toBe(true);
    expect(await claim.count()).toBe(1);
    const [created] = await listClaims();
    expect(created?.spec.user).toBe(alice.username);
    const desktop = created?.status?.desktop?.name as string;
    expect(await claim.getByRole('link', { name: 'Connect' }).getAttribute('href')).toBe(`/console/${ns}/${desktop}`);
    expect(await claim.locator('.steps li.done').count()).toBe(4);

    // A second one from the same pool waits, and the page says why in plain words.
    await card.getByRole('button', { name: 'Get desktop' }).click();
    const waiting = claim.nth(1);
    await waiting.locator('.problem', { hasText: 'You already hold as many desktops of this pool' }).waitFor();
    expect(await waiting.locator('.headline').textContent()).toBe('Waiting for a desktop');
    expect(await waiting.locator('.detail').textContent()).toContain('maxDesktopsPerUser');

    // Usable by everyone: nothing serious or critical for axe-core, light and dark.
    expect(await axeFindings(page)).toEqual([]);
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-desktops-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-desktops-390.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-desktops-1280-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // Keyboard: Tab reaches Connect and Give back, each with a visible focus ring.
    await page.keyboard.press('Tab'); // the skip link
    const focusable: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      focusable.push(String(await page.evaluate("document.activeElement?.textContent?.trim() ?? ''")));
    }
    expect(focusable).toEqual(expect.arrayContaining(['Sign out', 'Connect', 'Give back', 'Get desktop']));
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');

    // Give back: the cards go, and so do the claims.
    await waiting.getByRole('button', { name: 'Give back' }).click();
    await eventually(async () => expect(await claim.count()).toBe(1));
    expect(await claim.locator('.headline').textContent()).toBe('Ready to connect');
    await claim.getByRole('button', { name: 'Give back' }).click();
    await claim.first().waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#claims-empty', { hasText: 'You hold no desktop' }).waitFor();
    await eventually(async () => expect(await listClaims()).toEqual([]));

    // The entitlement is withdrawn while the page is open: the API server's refusal, in its words.
    await salesPool(['nobody']);
    await eventually(async () => {
      const answer = await page.evaluate("fetch('/api/pools').then((r) => r.json())");
      expect(answer).toEqual({ pools: [] });
    });
    await card.getByRole('button', { name: 'Get desktop' }).click();
    const notice = page.locator('#notice');
    await notice.waitFor({ state: 'visible' });
    expect(await notice.textContent()).toContain(`you are not entitled to desktops of pool ${ns}/sales`);
    expect(await listClaims()).toEqual([]);
    // The refusal is the only failure the page met (Chromium logs it to the console too).
    expect(problems.filter((p) => !/status of 403/.test(p))).toEqual(['403 POST /api/claims']);

    // Someone entitled to nothing sees no pool at all.
    const other = await (await browser.newContext()).newPage();
    await signIn(other, portal.url, oscar.token);
    await other.locator('#pools-empty', { hasText: 'No desktops are available to you' }).waitFor();
    expect(await other.locator('#pools > li').count()).toBe(0);
    await other.context().close();
    await context.close();
  });
});
