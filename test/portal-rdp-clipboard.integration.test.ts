// The clipboard and files in the browser's remote desktop, through the portal, against real xrdp
// desktops (the simulator's `--rdp-server xrdp`: a session of their own per desktop, its clipboard
// served by chansrv): IronRDP's web client in Chromium, the portal's RDCleanPath gateway, and each
// pool's policy (rdp.clipboard, rdp.fileTransfer, rdp.signIn). The person signs in to the desktop
// with the machine's desktop account (scripts/install-desktop-tools.sh made it); text copied in
// the desktop reaches the browser's clipboard and the other way round; a file uploaded from the
// browser appears in the desktop, one copied there is downloaded; and where the pool allows
// nothing, the page offers nothing — and a page made to ask anyway gets nothing past the gateway.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktopCa } from '../local/devcluster/pki.js';
import { readDesktopAccount } from '../local/simulator/screen/account.js';
import type { RdpCredentials } from '../local/simulator/screen/rdp.js';
import { rdpPagePath } from '../src/portal/console/rdp-protocol.js';
import { useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { captureLogs, serviceAccountToken, usePortals } from './support/portal.js';
import { browserCookies, type PortalClient, signInWithToken } from './support/portal-client.js';
import { bindUsers, claimRdpDesktop, showsDesktop } from './support/rdp-page.js';
import { useWorld } from './support/world.js';
import {
  copyInSession,
  copyInSessionUntil,
  inSession,
  sessionClipboard,
  type XrdpSession,
  xrdpSession,
} from './support/xrdp.js';

const namespace = useTestNamespace('portal-clip');
const desktopCa = { caFile: '', caKeyFile: '' };
const world = useWorld(namespace, { screens: 'real', desktopCa, rdpServer: 'xrdp' });
const { templateWithDisks, pool } = useDesktops(namespace);
const startPortal = usePortals();

let browser: Browser;
let caDir: string;
let account: RdpCredentials;
beforeAll(async () => {
  const found = await readDesktopAccount();
  if (!found) throw new Error('no desktop account: run scripts/install-desktop-tools.sh as root');
  account = found;
  caDir = await mkdtemp(path.join(tmpdir(), 'desktop-ca-'));
  Object.assign(desktopCa, await createDesktopCa(caDir));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await rm(caDir, { recursive: true, force: true });
});

/**
 * Pictures: `npm run screenshots` writes the README's into docs/images; KUBEVDI_LOOK=<dir> writes
 * all of this test's there, for looking at.
 */
async function look(page: Page, name: string): Promise<void> {
  if (process.env.KUBEVDI_SCREENSHOTS && name === 'clipboard-uploaded')
    await page.screenshot({
      path: path.join(import.meta.dirname, '..', 'docs', 'images', 'portal-rdp-files-1280.png'),
    });
  const dir = process.env.KUBEVDI_LOOK;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** A portal for `ns` that connects to the simulator's desktops and trusts their CA; alice signed in. */
async function portalWithAlice(ns: string, pools: Record<string, Record<string, unknown>>) {
  const alice = await serviceAccountToken(ns, 'alice');
  await bindUsers(ns, ['alice']);
  await templateWithDisks();
  for (const [name, rdp] of Object.entries(pools))
    await pool(name, { size: 1, rdp: { enabled: true, ...rdp }, access: { users: [alice.username] } });
  await world.start(['--leader-elect', 'false']);
  const logs = captureLogs();
  const portal = await startPortal({
    log: logs.log,
    namespaces: [ns],
    tokenSignIn: true,
    sessionSecret: randomBytes(48),
    rdpUpstream: '{ip}:3389',
    rdpCa: await readFile(desktopCa.caFile, 'utf8'),
  });
  return { url: portal.url, asAlice: await signInWithToken(portal.url, alice.token), logged: logs.text };
}

/** The remote desktop page of `desktop` in `context`, signed in to the desktop and showing it. */
async function openSignedIn(context: BrowserContext, person: PortalClient, ns: string, desktop: string) {
  await context.addCookies(browserCookies(person.cookie, person.base));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  if (process.env.RDP_PAGE_LOG)
    page.on('console', (m) => process.stderr.write(`[page] ${m.type()} ${m.text().slice(0, 300)}\n`));
  await page.goto(`${person.base}${rdpPagePath(ns, desktop)}`);
  // The pool says the desktop signs people in from what the client sends: the form comes first.
  await eventually(async () => expect(await page.textContent('#rdp-status')).toBe('Sign in to the desktop.'), 60_000);
  expect(await page.isVisible('#credentials')).toBe(true);
  await page.fill('#rdp-username', account.user);
  await page.fill('#rdp-password', account.password);
  await page.click('#credentials button[type="submit"]');
  await eventually(async () => expect(await page.textContent('#rdp-status')).toBe('Connected.'), 60_000);
  // The desktop's own session (xrdp's, apart from the console's display) in its colour.
  await showsDesktop(page, ns, desktop);
  const session = await eventually(() => {
    const found = xrdpSession(ns, desktop);
    expect(found).toBeDefined();
    return found as XrdpSession;
  }, 30_000);
  return { page, session, problems };
}

const browserClipboard = (page: Page) => page.evaluate('navigator.clipboard.readText()') as Promise<string>;
const setBrowserClipboard = (page: Page, text: string) =>
  page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);

describe('the clipboard and files in the browser’s remote desktop', () => {
  it('copy and paste both ways, a file uploaded and one downloaded, where the pool allows both', async () => {
    const ns = namespace();
    const { asAlice, logged } = await portalWithAlice(ns, {
      open: { clipboard: 'Both', fileTransfer: 'Both', signIn: 'BeforeConnecting' },
    });
    const { desktop } = await claimRdpDesktop(asAlice, ns, 'open');
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const { page, session, problems } = await openSignedIn(context, asAlice, ns, desktop);
    expect(session.user).toBe(account.user);
    expect(await page.textContent('#transfer-status')).toContain('Copy and paste work both ways');
    expect(await page.textContent('#transfer-status')).toContain('files can be uploaded and downloaded');
    // Automatic both ways (the browser allows the page its clipboard): no buttons needed.
    expect(await page.isVisible('#paste-to-desktop')).toBe(false);
    expect(await page.isVisible('#upload')).toBe(true);
    // The gateway logged the person on with what they typed (xrdp's logon screen never showed).
    expect(logged()).toContain('"changed":["autologon"]');
    await look(page, 'clipboard-connected');

    // Copied in the desktop: on the browser's clipboard.
    const fromDesktop = `copied in the desktop ${Date.now()}`;
    let began = performance.now();
    await copyInSessionUntil(session, fromDesktop, async () => expect(await browserClipboard(page)).toBe(fromDesktop));
    const outMs = Math.round(performance.now() - began);

    // Copied in the browser: on the desktop's clipboard.
    const fromBrowser = `copied in the browser ${Date.now()}`;
    began = performance.now();
    await setBrowserClipboard(page, fromBrowser);
    await eventually(async () => expect(await sessionClipboard(session)).toBe(fromBrowser), 20_000, 250);
    const inMs = Math.round(performance.now() - began);

    // A file uploaded from the browser: on the desktop's clipboard, and its bytes in the desktop.
    const content = `a report, uploaded at ${new Date().toISOString()}\nsecond line\n`;
    await page.setInputFiles('#upload-input', {
      name: 'report.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(content),
    });
    await eventually(
      async () =>
        expect(await page.textContent('#transfer-status')).toContain('report.txt is on the desktop’s clipboard'),
      30_000,
    );
    const uploaded = await eventually(async () => {
      const uri = (await sessionClipboard(session, 'text/uri-list'))
        .split(/\r?\n/)
        .find((l) => l.startsWith('file://'));
      expect(uri).toMatch(/\/report\.txt$/);
      return decodeURIComponent((uri as string).slice('file://'.length));
    }, 20_000);
    expect(await inSession(session, `cat '${uploaded}'`)).toBe(content);
    await eventually(
      async () => expect(await page.textContent('#transfer-status')).toBe('report.txt is copied to the desktop.'),
      10_000,
    );
    await look(page, 'clipboard-uploaded');

    // A file copied in the desktop: offered, and downloaded.
    const notes = `notes written in the desktop ${Date.now()}\n`;
    await inSession(
      session,
      `printf %s '${notes}' > "$HOME/notes.txt" && printf 'file://%s/notes.txt\\r\\n' "$HOME" | timeout 60 xclip -selection clipboard -t text/uri-list -i >/dev/null 2>&1 &`,
    );
    await eventually(async () => expect(await page.isVisible('#download')).toBe(true), 20_000);
    expect(await page.textContent('#transfer-status')).toContain('notes.txt copied in the desktop');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(await readFile(await download.path(), 'utf8')).toBe(notes);
    await look(page, 'clipboard-downloaded');
    process.stderr.write(`[clipboard] desktop → browser ${outMs} ms, browser → desktop ${inMs} ms\n`);
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('one way on the person’s gesture; with nothing allowed, nothing offered — and nothing past the gateway for a page made to ask', async () => {
    const ns = namespace();
    const { asAlice, logged } = await portalWithAlice(ns, {
      outward: { clipboard: 'FromDesktop', fileTransfer: 'None', signIn: 'BeforeConnecting' },
      locked: { clipboard: 'None', fileTransfer: 'None', signIn: 'BeforeConnecting' },
    });

    // Copy out of the desktop only: a button, offered once something was copied there.
    const outward = await claimRdpDesktop(asAlice, ns, 'outward');
    const writing = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      permissions: ['clipboard-write'],
    });
    const one = await openSignedIn(writing, asAlice, ns, outward.desktop);
    expect(await one.page.textContent('#transfer-status')).toContain(
      'You can copy out of the desktop; pasting into it is turned off',
    );
    expect(await one.page.isVisible('#paste-to-desktop')).toBe(false);
    expect(await one.page.isVisible('#upload')).toBe(false);
    expect(await one.page.isDisabled('#copy-from-desktop')).toBe(true);
    const copied = `copied out on a click ${Date.now()}`;
    await copyInSessionUntil(one.session, copied, async () =>
      expect(await one.page.isEnabled('#copy-from-desktop')).toBe(true),
    );
    await look(one.page, 'clipboard-one-way');
    await one.page.click('#copy-from-desktop');
    await eventually(
      async () => expect(await one.page.textContent('#transfer-status')).toContain('is on your clipboard'),
      10_000,
    );
    await writing.grantPermissions(['clipboard-read']);
    expect(await browserClipboard(one.page)).toBe(copied);
    expect(one.problems).toEqual([]);
    await writing.close();

    // Nothing allowed: the page says so and offers nothing.
    const locked = await claimRdpDesktop(asAlice, ns, 'locked');
    const plain = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const none = await openSignedIn(plain, asAlice, ns, locked.desktop);
    expect(await none.page.textContent('#transfer-status')).toBe(
      'Copy and paste and file transfer are turned off for this desktop.',
    );
    for (const button of ['#paste-to-desktop', '#copy-from-desktop', '#upload', '#download'])
      expect(await none.page.isVisible(button), button).toBe(false);
    await look(none.page, 'clipboard-none');
    await none.page.close();

    // A page made to believe the pool allows everything (its ticket's answer changed on the way):
    // it opens its clipboard channel, and the gateway renames it before the desktop sees it.
    const crafted = await plain.newPage();
    await crafted.route('**/ticket', async (route) => {
      const answer = await route.fetch();
      const body = (await answer.json()) as { policy: Record<string, string> };
      body.policy = { ...body.policy, clipboard: 'Both', fileTransfer: 'Both' };
      await route.fulfill({ response: answer, json: body });
    });
    await crafted.goto(`${asAlice.base}${rdpPagePath(ns, locked.desktop)}`);
    await eventually(
      async () => expect(await crafted.textContent('#rdp-status')).toBe('Sign in to the desktop.'),
      60_000,
    );
    await crafted.fill('#rdp-username', account.user);
    await crafted.fill('#rdp-password', account.password);
    await crafted.click('#credentials button[type="submit"]');
    await eventually(async () => expect(await crafted.textContent('#rdp-status')).toBe('Connected.'), 60_000);
    expect(await crafted.textContent('#transfer-status')).toContain('Copy and paste work both ways');
    await eventually(() => expect(logged()).toContain('channel cliprdr blocked'), 10_000);
    const secret = `kept in the desktop ${Date.now()}`;
    await setBrowserClipboard(crafted, 'kept in the browser');
    // Copied in the desktop again and again (one made before chansrv watched would prove nothing),
    // for long enough for either to have crossed many times over (well under a second when allowed).
    for (let copy = 0; copy < 4; copy++) {
      await copyInSession(none.session, secret);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    expect(await browserClipboard(crafted)).toBe('kept in the browser');
    expect(await sessionClipboard(none.session)).toBe(secret);
    expect(await crafted.textContent('#rdp-status')).toBe('Connected.');
    await plain.close();
  }, 240_000);
});
