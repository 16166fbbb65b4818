// Who is connected, seen beyond the portal replica that carries the connection: against the real
// API server with RBAC and the admission policies, the operator and the simulator's real desktops.
// Every console connection (RDP in Chromium, the VNC console over the portal's websocket) is a
// record on the claim, the claim's status.consoles and an Event as it opens and ends; the Admin
// Portal's Sessions view shows it, and a pool administrator ends it — recorded, naming them — while
// the person cannot forge such a request.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDesktopCa } from '../local/devcluster/pki.js';
import { CONSOLE_ANNOTATION_PREFIX } from '../src/api/annotations.js';
import { consoleEndAnnotation, consoleKeys, consoleRecords } from '../src/api/console-record.js';
import { CLAIMS } from '../src/api/desktopclaim.js';
import { SessionList } from '../src/portal/admin/types.js';
import { Claim, ClaimList } from '../src/portal/api-types.js';
import { consoleSocketPath } from '../src/portal/console/protocol.js';
import { rdpPagePath } from '../src/portal/console/rdp-protocol.js';
import { SCREENSHOTS } from './support/admin-pages.js';
import { applyAs, kubeconfig, kubeconfigWithToken, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { captureLogs, serviceAccountToken, usePortals } from './support/portal.js';
import { browserCookies, type PortalClient, signInWithToken } from './support/portal-client.js';
import { rfbOver } from './support/vnc.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('portal-connections');
const desktopCa = { caFile: '', caKeyFile: '' };
const world = useWorld(namespace, { screens: 'real', desktopCa });
const { templateWithDisks, pool, readClaim } = useDesktops(namespace);
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

const json = async (answer: Promise<{ text: string }>) => JSON.parse((await answer).text) as unknown;

/** The Events of one claim, as `kubectl describe` shows them: reason and message. */
async function claimEvents(ns: string, claim: string): Promise<{ reason: string; message: string }[]> {
  const events = await kubeconfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${claim}` });
  return events.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
}

describe('console connections, seen and ended', () => {
  it('records each connection on its claim, shows it to administrators, and ends it when one asks', async () => {
    const ns = namespace();
    const alice = await serviceAccountToken(ns, 'alice');
    const linus = await serviceAccountToken(ns, 'linus');
    const bind = (name: string, role: string, who: string) =>
      applyAs()({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: who, namespace: ns }],
      });
    await bind('kubevdi-users', 'kubevdi:user', 'alice');
    await bind('kubevdi-pool-admins', 'kubevdi:pool-admin', 'linus');
    await templateWithDisks();
    await pool('sales', { size: 1, rdp: { enabled: true }, access: { users: [alice.username] } });
    await world.start(['--leader-elect', 'false']);
    const { log, text: logged } = captureLogs();
    // Two replicas of the portal (one session secret): connections on one are seen on the other.
    const replica = async () =>
      startPortal({
        log,
        namespaces: [ns],
        tokenSignIn: true,
        sessionSecret,
        rdpUpstream: '{ip}:3389',
        rdpCa: await readFile(desktopCa.caFile, 'utf8'),
      });
    const sessionSecret = randomBytes(48);
    const { url } = await replica();
    const asAlice = await signInWithToken(url, alice.token);
    const asLinus = await signInWithToken(url, linus.token);

    const created = Claim.parse(await json(asAlice.api('/api/claims', 'POST', { namespace: ns, pool: 'sales' })));
    const claimName = created.name;
    const desktop = await eventually(async () => {
      const { claims } = ClaimList.parse(await json(asAlice.api('/api/claims')));
      const claim = claims.find((c) => c.name === claimName);
      expect(claim?.desktop?.ready).toBe(true);
      return claim?.desktop?.name as string;
    }, 60_000);

    // Alice opens her desktop over RDP in Chromium.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addCookies(browserCookies(asAlice.cookie, url));
    const page = await context.newPage();
    await page.goto(`${url}${rdpPagePath(ns, desktop)}`);
    await eventually(async () => expect(await page.textContent('#rdp-status')).toBe('Connected.'), 60_000);

    // The connection is on her claim: its record, the operator's status and an Event.
    const rdpConsole = await eventually(async () => {
      const claim = await readClaim(claimName);
      expect(claim.status?.consoles).toEqual([
        expect.objectContaining({ protocol: 'rdp', person: alice.username, client: '127.0.0.1' }),
      ]);
      return claim.status?.consoles?.[0] as { id: string; since: string };
    }, 30_000);
    await eventually(async () =>
      expect(await claimEvents(ns, claimName)).toContainEqual({
        reason: 'ConsoleConnected',
        message: `${alice.username}'s connection to desktop ${desktop} by remote desktop (RDP) from 127.0.0.1 opened`,
      }),
    );

    // The Sessions view shows who is connected, by which protocol, since when.
    const sessions = async (person: PortalClient) => SessionList.parse(await json(person.api('/api/admin/sessions')));
    expect((await sessions(asLinus)).sessions).toEqual([
      expect.objectContaining({
        user: alice.username,
        desktop,
        consoles: [
          { id: rdpConsole.id, protocol: 'rdp', person: alice.username, client: '127.0.0.1', since: rdpConsole.since },
        ],
      }),
    ]);
    const admin = await context.browser()?.newContext({ viewport: { width: 1280, height: 800 } });
    if (!admin) throw new Error('no browser');
    await admin.addCookies(browserCookies(asLinus.cookie, url));
    const adminPage = await admin.newPage();
    await adminPage.goto(`${url}/admin#sessions`);
    const row = adminPage.locator('tr', { hasText: alice.username });
    await eventually(async () => expect(await row.textContent()).toContain('RDP from 127.0.0.1 since'), 30_000);
    if (process.env.KUBEVDI_SCREENSHOTS)
      await adminPage.screenshot({ path: path.join(SCREENSHOTS, 'admin-sessions-connected-1280.png') });

    // Alice cannot forge an administrator's request to end a connection, even on her own claim.
    const forged = kubeconfigWithToken(alice.token)
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        {
          ...CLAIMS,
          namespace: ns,
          name: claimName,
          body: { metadata: { annotations: { [consoleEndAnnotation(rdpConsole.id)]: 'someone' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await expect(forged).rejects.toMatchObject({ code: 403 });

    // Linus ends it from the Sessions view (asked first); alice's page says so and does not reconnect.
    await row.getByRole('button', { name: /^End / }).click();
    await adminPage.getByRole('button', { name: 'End connection' }).click();
    await eventually(
      async () =>
        expect(await page.textContent('#rdp-status')).toContain(
          `An administrator (${linus.username}) ended your connection`,
        ),
      30_000,
    );
    await eventually(async () => expect(await row.textContent()).toContain('No'), 30_000);
    await page.waitForTimeout(3000);
    expect(await page.getAttribute('main', 'data-state')).toBe('closed');
    expect(logged().match(/"msg":"RDP connection opened"/g)).toHaveLength(1);

    // Recorded: the audit line names linus, so do the claim's Events; the record is gone.
    const audits = () =>
      logged()
        .split('\n')
        .filter((line) => line.includes('"audit":"console-connection"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await eventually(() =>
      expect(audits()).toContainEqual(
        expect.objectContaining({
          connection: rdpConsole.id,
          protocol: 'rdp',
          person: alice.username,
          endedBy: 'administrator',
          endRequestedBy: linus.username,
        }),
      ),
    );
    await eventually(async () => {
      const events = await claimEvents(ns, claimName);
      expect(events).toContainEqual(
        expect.objectContaining({
          reason: 'ConsoleEndRequested',
          message: `${linus.username} ended ${alice.username}'s RDP connection to desktop ${desktop} from the Admin Portal`,
        }),
      );
      expect(events.find((e) => e.reason === 'ConsoleDisconnected')?.message).toMatch(
        new RegExp(`ended after \\d+ (s|min): ended by an administrator \\(${linus.username}\\)$`),
      );
    }, 30_000);
    await eventually(async () => {
      const claim = await readClaim(claimName);
      expect(claim.status?.consoles).toBeUndefined();
      expect(consoleKeys(claim.metadata?.annotations)).toEqual([`console-end.kubevdi.io/${rdpConsole.id}`]);
    }, 30_000);
    // Connecting again is her choice: the page's Connect does.
    await page.click('#connect');
    await eventually(async () => expect(await page.textContent('#rdp-status')).toBe('Connected.'), 60_000);

    // Another device reaching the other replica: told the desktop is open elsewhere; taking it over
    // ends the first connection there (the first replica follows the claim), and the first page says so.
    const other = await replica();
    const device = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await device.addCookies(browserCookies(asAlice.cookie, other.url));
    const second = await device.newPage();
    await second.goto(`${other.url}${rdpPagePath(ns, desktop)}`);
    await eventually(
      async () => expect(await second.textContent('#rdp-status')).toContain('open in another tab or on another device'),
      60_000,
    );
    await second.click('#take-over');
    await eventually(async () => expect(await second.textContent('#rdp-status')).toBe('Connected.'), 60_000);
    await eventually(async () => expect(await page.textContent('#rdp-status')).toContain('taken over'), 30_000);
    await eventually(async () =>
      expect(
        audits()
          .filter((a) => a.protocol === 'rdp')
          .map((a) => a.endedBy),
      ).toEqual(['administrator', 'taken-over']),
    );
    await device.close();
    await page.close();

    // The VNC console too: open, recorded; closed by the browser, an Event that says so.
    const vnc = new WebSocket(`${url.replace(/^http/, 'ws')}${consoleSocketPath(ns, desktop)}`, {
      headers: { origin: url, cookie: asAlice.cookie },
    });
    const screen = await rfbOver(vnc);
    expect(screen.name).toBe(`${ns}/${desktop}`);
    const vncRecord = await eventually(async () => {
      const records = consoleRecords((await readClaim(claimName)).metadata?.annotations);
      expect(records.filter((r) => !r.record.ended).map((r) => r.record.protocol)).toEqual(['vnc']);
      return records.find((r) => r.record.protocol === 'vnc');
    }, 30_000);
    screen.close();
    await eventually(async () => {
      expect((await claimEvents(ns, claimName)).map((e) => e.message)).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${alice.username}'s connection to desktop ${desktop} by the VNC console .* closed in the browser$`,
          ),
        ),
      );
      const annotations = (await readClaim(claimName)).metadata?.annotations ?? {};
      expect(annotations[`${CONSOLE_ANNOTATION_PREFIX}${vncRecord?.id}`]).toBeUndefined();
    }, 30_000);
    // The end request goes a minute after it was made; nothing of these connections is left on the claim.
    await eventually(
      async () => expect(consoleKeys((await readClaim(claimName)).metadata?.annotations)).toEqual([]),
      90_000,
    );
    await admin.close();
    await context.close();
  }, 300_000);
});
