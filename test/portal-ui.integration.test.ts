// The user's page in a real browser (Debian's Chromium driven by playwright-core) against the
// portal run from source (it bundles its front end in memory on start), the real API server, the
// operator and the simulator: a person sees exactly the pool they are entitled to, gets a desktop,
// watches it become ready without a reload (Server-Sent Events), gives it back; the API server's
// refusal is shown in its own words; axe-core finds nothing serious. (The README's pictures come
// from portal-journey.integration.test.ts; KUBEVDI_LOOK=<dir> writes this test's for looking at.)
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESCRIPTION_ANNOTATION } from '../src/api/annotations.js';
import { API_VERSION } from '../src/api/index.js';
import { axeFindings, problemsOf, useChromium } from './support/browser.js';
import { applyAs, kubeconfig, useTestNamespace } from './support/cluster.js';
import { readInstance, useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { setLoggedInUsers } from './support/guest.js';
import { serviceAccountToken, usePortals } from './support/portal.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('portal-ui');
const world = useWorld(namespace);
const { templateWithDisks, listClaims, pool, vms } = useDesktops(namespace);
/** Where this test's own pictures go when KUBEVDI_LOOK names a directory: for looking at, not committed. */
const LOOK = process.env.KUBEVDI_LOOK;
/** The operator as the session tests run it: the guest is asked often, so the card follows quickly. */
const OPERATOR = ['--leader-elect', 'false', '--session-poll-interval', '0.2s'];

const chromium = useChromium();
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

    const context = await chromium().newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
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

    // The pool allows one desktop per person: Get desktop is off, and says why.
    const getDesktop = card.getByRole('button', { name: 'Get desktop' });
    await eventually(async () => expect(await getDesktop.isDisabled()).toBe(true));
    expect(await card.locator('.limit').textContent()).toContain('You already have a desktop from this pool');

    // A second one asked for all the same (another tab, a script) is refused before anything is
    // made, in the words the page shows (the operator would mark it Failed, with no grant: the
    // person could not even see it); the desktop she holds is untouched.
    const second = (await page.evaluate(`fetch('/api/claims', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kubevdi-csrf': '1' },
      body: JSON.stringify({ namespace: '${ns}', pool: 'sales' }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }))`)) as {
      status: number;
      body: { error: string; kind: string };
    };
    expect(second.status).toBe(409);
    expect(second.body).toEqual({
      error: 'You already have a desktop from this pool, the most you may hold. Log off and return one to get another.',
      kind: 'conflict',
    });
    expect(await listClaims()).toHaveLength(1);
    await page.reload();
    await claim.first().locator('.state', { hasText: 'Running' }).waitFor();
    expect(await claim.count()).toBe(1);

    // Usable by everyone: nothing serious or critical for axe-core, light and dark.
    expect(await axeFindings(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await look(page, 'desktops-390-light', true);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });

    // Keyboard: Tab reaches Connect and the desktop's actions, each with a visible focus ring.
    await page.keyboard.press('Tab'); // the skip link
    const focusable: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      focusable.push(String(await page.evaluate("document.activeElement?.textContent?.trim() ?? ''")));
    }
    expect(focusable).toEqual(expect.arrayContaining(['Sign out', 'Connect', 'Restart', 'Stop', 'Log off and return']));
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');

    // The desktop goes back after a confirmation that says what is lost: the pool is stateless,
    // so the person's files on it are discarded.
    expect(await claim.locator('.headline').textContent()).toBe('Ready to connect');
    await claim.getByRole('button', { name: 'Log off and return' }).click();
    const dialog = page.getByRole('dialog', { name: /Log off and return/ });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('your files on this desktop are discarded');
    await dialog.getByRole('button', { name: 'Log off and return' }).click();
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
    expect(problems.filter((p) => !/status of 40[39]/.test(p))).toEqual([
      '409 POST /api/claims',
      '403 POST /api/claims',
    ]);

    // Someone entitled to nothing sees no pool at all.
    const other = await (await chromium().newContext()).newPage();
    await signIn(other, portal.url, oscar.token);
    await other.locator('#pools-empty', { hasText: 'No desktops are available to you' }).waitFor();
    expect(await other.locator('#pools > li').count()).toBe(0);
    await other.context().close();
    await context.close();
  }, 240_000); // its own waits (ready, the operator's word on the second claim) add up past the default on a loaded machine

  it('shows the desktop’s state and who is logged on, and stops, starts, restarts it and gives an .rdp file', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    await bindUsers(ns, ['alice']);
    await templateWithDisks();
    await pool('lab', {
      displayName: 'Lab desktops',
      size: 1,
      rdp: { enabled: true },
      access: { users: [alice.username] },
    });
    await world.start(OPERATOR);
    const portal = await startPortal({
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48).toString('base64'),
      log: pino({ level: 'warn' }),
    });
    const context = await chromium().newContext({
      viewport: { width: 1280, height: 900 },
      colorScheme: 'light',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const problems = problemsOf(page);
    await signIn(page, portal.url, alice.token);

    const pools = page.locator('#pools > li');
    await eventually(async () => {
      await page.reload();
      await pools.first().waitFor({ timeout: 2000 });
    });
    await pools.first().getByRole('button', { name: 'Get desktop' }).click();
    const card = page.locator('#claims > li').first();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    const [claim] = await listClaims();
    const desktop = claim?.status?.desktop?.name as string;
    await card.locator('.state', { hasText: 'Running' }).waitFor();

    // Who is logged on, from the claim's session status: nobody, then alice since when.
    await card.locator('.session', { hasText: 'Nobody is logged on' }).waitFor({ timeout: 30_000 });
    await setLoggedInUsers(kubeconfig(), ns, desktop, ['alice']);
    await card.locator('.session', { hasText: /^alice since \d/ }).waitFor({ timeout: 30_000 });

    // The .rdp file names the desktop's Service by its cluster DNS name.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('link', { name: 'Download RDP file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${desktop}.rdp`);
    const rdp = await readFile(await download.path(), 'utf8');
    expect(rdp).toContain(`full address:s:rdp-${desktop}.${ns}.svc:3389\r\n`);

    // Stop asks first, saying what is kept and lost; the dialog is as usable as the page.
    await card.getByRole('button', { name: 'Stop', exact: true }).click();
    const stopDialog = page.getByRole('dialog', { name: /Stop your desktop/ });
    await stopDialog.waitFor();
    expect(await stopDialog.textContent()).toContain('unsaved work is lost');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'card-stop-dialog-1280-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'card-stop-dialog-1280-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await stopDialog.getByRole('button', { name: 'Cancel' }).click();
    await stopDialog.waitFor({ state: 'detached' });
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Stop');
    expect((await vms())[0]?.spec.runStrategy).not.toBe('Halted');

    await card.getByRole('button', { name: 'Stop', exact: true }).click();
    await stopDialog.getByRole('button', { name: 'Stop desktop' }).click();
    await eventually(async () => expect((await vms())[0]?.spec.runStrategy).toBe('Halted'));
    await card.locator('.state', { hasText: 'Stopped' }).waitFor({ timeout: 30_000 });
    await look(page, 'card-stopped-1280-light');

    // Start: no question (nothing is lost), and it is ready again.
    await card.getByRole('button', { name: 'Start', exact: true }).click();
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    await card.locator('.state', { hasText: 'Running' }).waitFor();

    // Restart: asked first; KubeVirt makes a new instance of the desktop.
    const vmiUid = async () => (await readInstance(ns, desktop))?.metadata?.uid;
    const before = await eventually(async () => {
      const uid = await vmiUid();
      expect(uid).toBeDefined();
      return uid;
    });
    await card.getByRole('button', { name: 'Restart', exact: true }).click();
    await page
      .getByRole('dialog', { name: /Restart your desktop/ })
      .getByRole('button', { name: 'Restart desktop' })
      .click();
    await eventually(async () => {
      const uid = await vmiUid();
      expect(uid).toBeDefined();
      expect(uid).not.toBe(before);
    }, 30_000);
    await card.locator('.headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });

    // Phone width and dark: nothing serious for axe-core; the pictures are for looking at.
    await page.setViewportSize({ width: 390, height: 844 });
    await look(page, 'card-390-light', true);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'card-390-dark', true);
    await card.getByRole('button', { name: 'Log off and return' }).click();
    await look(page, 'card-logoff-dialog-390-dark');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Connect opens the remote desktop page for an RDP pool. This world's desktops serve no RDP (a
    // synthetic screen, portal-rdp tests the real thing), so it says so in words, and it is as
    // usable as the rest; its VNC console link leads on.
    await card.getByRole('link', { name: 'Connect' }).click();
    // Navigated: the page's words below say it works (its load event may wait on the desktop's retries).
    await page.waitForURL(`**/rdp/${ns}/${desktop}`, { waitUntil: 'commit' });
    await eventually(
      async () =>
        expect(await page.textContent('#rdp-status')).toMatch(
          /address could not be found|not accepting|did not answer|cannot be reached/,
        ),
      60_000,
    );
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'rdp-unreachable-1280-light');
    await page.getByRole('link', { name: 'VNC console' }).click();

    // The console page: its toolbar and Paste text, as usable as the rest.
    await page.getByText('Connected.').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Paste text' }).click();
    const text = page.getByLabel('Text to type on the desktop');
    await text.fill('echo hi\nexit');
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'console-paste-1280-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await look(page, 'console-paste-390-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await look(page, 'console-paste-390-light');
    await page.getByRole('button', { name: 'Type text' }).click();
    await page.getByText('Typed 12 characters.').waitFor();
    const scale = page.getByRole('button', { name: 'Scale to window' });
    expect(await scale.getAttribute('aria-pressed')).toBe('true');
    await scale.click();
    expect(await scale.getAttribute('aria-pressed')).toBe('false');
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('Disconnected.').waitFor();

    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('shows when the session policy will act, warns in its last minutes, and "I’m still working" moves it', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    await bindUsers(ns, ['alice']);
    await templateWithDisks();
    const access = { users: [alice.username] };
    await pool('idle', {
      displayName: 'Idle after 30',
      size: 1,
      access,
      session: { idle: { action: 'Release', timeoutMinutes: 30 } },
    });
    await pool('brief', {
      displayName: 'Idle after 5',
      size: 1,
      access,
      session: { idle: { action: 'PowerOff', timeoutMinutes: 5 } },
    });
    // Its only window is three days away, so its hours are over now: the capacity's ramp-down
    // counts down on a desktop nobody is logged on to.
    const closedDay = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][
      (new Date().getUTCDay() + 3) % 7
    ];
    await pool('evening', {
      displayName: 'Office hours',
      size: 1,
      access,
      session: { idle: { action: 'None' } },
      capacity: {
        timeZone: 'UTC',
        schedules: [{ name: 'office-hours', days: [closedDay], from: '08:00', to: '18:00', warm: 0 }],
        rampDown: { idleMinutes: 45 },
      },
    });
    await world.start(OPERATOR);
    const portal = await startPortal({
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48).toString('base64'),
      log: pino({ level: 'warn' }),
    });
    const context = await chromium().newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    const problems = problemsOf(page);
    await signIn(page, portal.url, alice.token);
    const pools = page.locator('#pools > li');
    await eventually(async () => {
      await page.reload();
      expect(await pools.count()).toBe(3);
    });
    for (const name of ['Idle after 30', 'Idle after 5', 'Office hours']) {
      await pools.filter({ hasText: name }).getByRole('button', { name: 'Get desktop' }).click();
      await page.locator('#claims > li', { hasText: name }).waitFor();
    }
    const idle = page.locator('#claims > li', { hasText: 'Idle after 30' });
    const brief = page.locator('#claims > li', { hasText: 'Idle after 5' });

    // Nobody logs on: the claim's pendingAction, in the open, counting down on the page's clock.
    const when = idle.locator('.countdown .when');
    await when.waitFor({ timeout: 60_000 });
    expect(await when.textContent()).toMatch(/^This desktop will be released at .+ \(in (29|30) minutes\)\.$/);
    expect(await idle.locator('.countdown').getAttribute('class')).not.toContain('soon');
    expect(await idle.locator('.countdown').textContent()).toContain('your files on it are discarded');
    const briefWhen = brief.locator('.countdown .when');
    await briefWhen.waitFor({ timeout: 60_000 });
    expect(await briefWhen.textContent()).toMatch(/will be powered off at .+ \(in \d minutes\)/);
    expect(await brief.locator('.countdown').getAttribute('class')).toContain('soon');
    const evening = page.locator('#claims > li', { hasText: 'Office hours' });
    const eveningWhen = evening.locator('.countdown .when');
    await eveningWhen.waitFor({ timeout: 60_000 });
    expect(await eveningWhen.textContent()).toMatch(/will be powered off at .+ \(in (44|45) minutes\)/);
    expect(await evening.locator('.countdown .why').textContent()).toContain(
      "The pool's hours are over and nobody is logged on to this desktop",
    );
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'countdown-1280-light', true);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeFindings(page)).toEqual([]);
    await look(page, 'countdown-1280-dark', true);
    await page.emulateMedia({ colorScheme: 'light' });

    // "I'm still working": the operator counts it as activity, and the deadline moves later.
    const claims = await listClaims();
    const idleClaim = claims.find((c) => c.spec.poolRef.name === 'idle');
    const deadline = Date.parse(
      (idleClaim?.status as { pendingAction?: { deadline: string } } | undefined)?.pendingAction?.deadline ?? '',
    );
    expect(deadline).toBeGreaterThan(Date.now());
    // Deadlines are whole seconds: a second passes so the new one is later.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await idle.getByRole('button', { name: 'I’m still working' }).click();
    const moved = await eventually(async () => {
      const c = (await listClaims()).find((x) => x.metadata?.name === idleClaim?.metadata?.name);
      const status = (c?.status ?? {}) as {
        session?: { lastActivityTime?: string };
        pendingAction?: { deadline: string };
      };
      expect(status.session?.lastActivityTime).toBeDefined();
      expect(Date.parse(status.pendingAction?.deadline ?? '')).toBeGreaterThan(deadline);
      return status.pendingAction?.deadline as string;
    }, 30_000);
    await eventually(async () => expect(await idle.locator('.countdown').getAttribute('data-deadline')).toBe(moved));
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});

async function bindUsers(ns: string, names: string[]): Promise<void> {
  await applyAs()({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'kubevdi-users', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
    subjects: names.map((name) => ({ kind: 'ServiceAccount', name, namespace: ns })),
  });
}

/** A picture to look at, when KUBEVDI_LOOK names a directory. */
async function look(page: Page, name: string, fullPage = false): Promise<void> {
  if (!LOOK) return;
  await mkdir(LOOK, { recursive: true });
  await page.screenshot({ path: path.join(LOOK, `${name}.png`), fullPage });
}
