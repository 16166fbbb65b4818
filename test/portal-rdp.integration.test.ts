// RDP in the browser through the portal, against the real API server, the operator, and the
// simulator's desktops with real screens (an X session per desktop, FreeRDP's shadow server at the
// desktop's own address, its certificate issued by a desktop CA): IronRDP's web client in Chromium draws
// the desktop through the portal's RDCleanPath gateway; the gateway lets through only the holder of
// the desktop, with a fresh ticket of their own sign-in, from the portal's own pages, and ends the
// connection when the desktop is given back.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCertificateAuthority } from '../local/devcluster/certs.js';
import { createDesktopCa } from '../local/devcluster/pki.js';
import { decodeAnswer, encodeRequest } from '../src/portal/console/rdcleanpath.js';
import {
  GATEWAY_STATUS,
  RdpTicket,
  rdpPagePath,
  rdpSocketPath,
  rdpTicketPath,
} from '../src/portal/console/rdp-protocol.js';
import { useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { captureLogs, serviceAccountToken, usePortals } from './support/portal.js';
import { browserCookies, type PortalClient, signInWithToken } from './support/portal-client.js';
import { bindUsers, claimRdpDesktop, showsDesktop } from './support/rdp-page.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('portal-rdp');
const desktopCa = { caFile: '', caKeyFile: '' };
const world = useWorld(namespace, { screens: 'real', desktopCa });
const { templateWithDisks, pool } = useDesktops(namespace);
const startPortal = usePortals();

let browser: Browser;
let caDir: string;
beforeAll(async () => {
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
  if (process.env.KUBEVDI_SCREENSHOTS && name === 'rdp-connected')
    await page.screenshot({ path: path.join(import.meta.dirname, '..', 'docs', 'images', 'portal-rdp-1280.png') });
  const dir = process.env.KUBEVDI_LOOK;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** X.224 Connection Request asking for TLS only, as IronRDP does without CredSSP. */
const TLS_ONLY = Buffer.from('030000130ee000000000000100080001000000', 'hex');

/** What a client gets through the gateway: the decoded RDCleanPath answer, and the socket. */
async function rdcleanpath(
  url: string,
  ns: string,
  desktop: string,
  headers: Record<string, string>,
  ticket: string,
): Promise<{ answer: ReturnType<typeof decodeAnswer>; socket: WebSocket; closed: Promise<number> }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${rdpSocketPath(ns, desktop)}`, { headers });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  socket.send(encodeRequest({ destination: `${desktop}:3389`, proxyAuth: ticket, x224ConnectionRequest: TLS_ONLY }));
  const first = await new Promise<Buffer>((resolve) => socket.once('message', (data) => resolve(data as Buffer)));
  return { answer: decodeAnswer(first), socket, closed };
}

describe('RDP through the portal', () => {
  it('draws the desktop in the browser for its holder only, and ends when it is given back', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    const bob = await serviceAccountToken(ns, 'bob');
    await bindUsers(ns, ['alice', 'bob']);
    await templateWithDisks();
    // No clipboard or files: FreeRDP's shadow server has no clipboard (portal-rdp-clipboard tests it on xrdp).
    await pool('sales', {
      size: 2,
      rdp: { enabled: true, clipboard: 'None', fileTransfer: 'None' },
      access: { users: [alice.username, bob.username] },
    });
    await world.start(['--leader-elect', 'false']);
    const { log, text: logged } = captureLogs();
    const portal = await startPortal({
      log,
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48),
      rdpUpstream: '{ip}:3389',
      rdpCa: await readFile(desktopCa.caFile, 'utf8'),
      consoleRecheckMs: 2000,
    });
    const { url } = portal;
    const asAlice = await signInWithToken(url, alice.token);
    const asBob = await signInWithToken(url, bob.token);
    const aliceCookie = asAlice.cookie;
    const bobCookie = asBob.cookie;
    const json = async (answer: Promise<{ text: string }>) => JSON.parse((await answer).text) as unknown;

    const { claim, desktop } = await claimRdpDesktop(asAlice, ns, 'sales');

    // A ticket for alice's desktop, as the page asks for it.
    const ticketOf = (person: PortalClient) => person.api(rdpTicketPath(ns, desktop), 'POST');
    const issued = await ticketOf(asAlice);
    expect(issued.status).toBe(200);
    const { ticket } = RdpTicket.parse(JSON.parse(issued.text));

    // Bob may not have one for alice's desktop: the API server says no.
    expect((await ticketOf(asBob)).status).toBe(403);

    // Bob's crafted connection with alice's ticket (his own session): refused, and recorded.
    const own = { origin: url, cookie: aliceCookie };
    const crafted = await rdcleanpath(url, ns, desktop, { origin: url, cookie: bobCookie }, ticket);
    expect(crafted.answer).toMatchObject({ ok: false, failure: { httpStatus: GATEWAY_STATUS.ticket } });
    expect(logged()).toContain('ticket: other-session');

    // Alice's: the gateway connects, does the TLS handshake and hands back the desktop's certificate.
    const opened = await rdcleanpath(url, ns, desktop, own, ticket);
    expect(opened.answer).toMatchObject({ ok: true });
    if (!opened.answer.ok) throw new Error('refused');
    expect(opened.answer.response.serverCertificateChain.length).toBeGreaterThan(0);
    expect(opened.answer.response.x224ConnectionConfirm[11]).toBe(0x02); // RDP_NEG_RSP
    opened.socket.close();

    // A portal that trusts another CA for desktops does not connect to this one (its certificate
    // comes from the desktop CA): a desktop it cannot tell from an impostor gets no bytes.
    const wary = await startPortal({
      log,
      namespaces: [ns],
      tokenSignIn: true,
      sessionSecret: randomBytes(48),
      rdpUpstream: '{ip}:3389',
      rdpCa: (await createCertificateAuthority('another-ca')).certPem,
    });
    const asAliceThere = await signInWithToken(wary.url, alice.token);
    const waryTicket = RdpTicket.parse(await json(ticketOf(asAliceThere)));
    const impostor = await rdcleanpath(
      wary.url,
      ns,
      desktop,
      { origin: wary.url, cookie: asAliceThere.cookie },
      waryTicket.ticket,
    );
    expect(impostor.answer).toMatchObject({ ok: false, failure: { tlsAlert: 42 } });

    // The same ticket again: used.
    const replayed = await rdcleanpath(url, ns, desktop, own, ticket);
    expect(replayed.answer).toMatchObject({ ok: false, failure: { httpStatus: GATEWAY_STATUS.ticket } });

    // A page elsewhere cannot open it: refused before the upgrade.
    const fresh = RdpTicket.parse(await json(ticketOf(asAlice))).ticket;
    await expect(
      rdcleanpath(url, ns, desktop, { origin: 'https://evil.example', cookie: aliceCookie }, fresh),
    ).rejects.toThrow('HTTP 403');

    // The page in Chromium: IronRDP draws the desktop's screen through the portal.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addCookies(browserCookies(aliceCookie, url));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    const rdpPage = await page.goto(`${url}${rdpPagePath(ns, desktop)}`);
    expect(rdpPage?.status()).toBe(200);
    // Its script (IronRDP's WebAssembly inline, 6 MB) travels compressed to browsers that take it.
    const script = /<script type="module" src="([^"]+)"/.exec(await (rdpPage?.text() ?? ''))?.[1] as string;
    const fetched = await fetch(`${url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(fetched.headers.get('content-encoding')).toBe('br');
    expect((await fetched.arrayBuffer()).byteLength).toBeGreaterThan(5_000_000);
    await eventually(async () => expect(await page.textContent('#rdp-status')).toBe('Connected.'), 60_000);
    // The desktop's own colour on its root window.
    await showsDesktop(page, ns, desktop);
    await look(page, 'rdp-connected');
    expect(problems).toEqual([]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/kubevdi_portal_console_sessions\{protocol="rdp"} 1\b/);

    // A second tab is told the desktop is open elsewhere; taking over moves it there.
    const second = await context.newPage();
    await second.goto(`${url}${rdpPagePath(ns, desktop)}`);
    await eventually(
      async () => expect(await second.textContent('#rdp-status')).toContain('open in another tab or on another device'),
      60_000,
    );
    expect(await page.textContent('#rdp-status')).toBe('Connected.');
    await second.click('#take-over');
    await eventually(async () => expect(await second.textContent('#rdp-status')).toBe('Connected.'), 60_000);
    await eventually(async () => expect(await page.textContent('#rdp-status')).toContain('taken over'), 30_000);
    await page.close();
    await look(second, 'rdp-taken-over');

    // Given back: the open connection ends within seconds, and the page says why.
    expect((await asAlice.api(`/api/claims/${ns}/${claim}`, 'DELETE')).status).toBeLessThan(300);
    await eventually(
      async () =>
        expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
          /kubevdi_portal_console_sessions\{protocol="rdp"} 0\b/,
        ),
      30_000,
    );
    await eventually(async () => expect(await second.textContent('#rdp-status')).toContain('given back'), 30_000);

    // Each connection is one audit line: who, which desktop, from where, how long, bytes, why it ended.
    const audits = () =>
      logged()
        .split('\n')
        .filter((line) => line.includes('"audit":"console-connection"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await eventually(() => expect(audits().map((a) => a.endedBy)).toEqual(['browser', 'taken-over', 'revoked']));
    for (const audit of audits()) {
      expect(audit).toMatchObject({
        protocol: 'rdp',
        person: alice.username,
        desktop: `${ns}/${desktop}`,
        client: '127.0.0.1',
      });
    }
    // The browsers' connections carried the desktop's pictures; the first one only its handshake.
    for (const audit of audits().slice(1)) expect(audit.bytesToBrowser as number).toBeGreaterThan(10_000);
    await look(second, 'rdp-given-back');
    await context.close();
  }, 240_000);
});
