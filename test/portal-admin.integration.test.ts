// The Admin Portal in real Chromium, signed in through the real OpenID provider, against the real
// API server, the operator and the simulator: five people — a cluster admin, a pool admin of one
// namespace, a template admin, a viewer and a plain user — each see and may do exactly what their
// RBAC allows, and what the interface hides the API server refuses too. The pool admin finds
// alice's desktop by her name, releases it by force — her console ends, her grant goes, the
// stateless desktop gets a new disk, an Event names who did it — and the overview follows a
// scale-up live. axe-core on each view; `npm run screenshots` writes the README's pictures.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { consolePagePath } from '../src/portal/console-protocol.js';
import { axeFindings, signInWithOidc, useChromium } from './support/browser.js';
import { applyAs, bindClusterRole, createNamespace, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { usePortals } from './support/portal.js';
import { OIDC_USERS } from './support/users.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('admin');
const world = useWorld(namespace);
const { templateWithDisks, listClaims, diskUid } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const oidc = inject('cluster').oidc;
const cleanups: (() => Promise<unknown>)[] = [];
const contexts: BrowserContext[] = [];
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Who = 'ada' | 'hopper' | 'hedy' | 'linus' | 'mary';
const person = (who: Who) => ({ username: who, password: OIDC_USERS[who]?.password as string });

const SCREENSHOTS = process.env.KUBEVDI_SCREENSHOTS
  ? path.join(import.meta.dirname, '..', 'docs', 'images')
  : path.join(tmpdir(), 'kubevdi-screenshots');

async function newPage(): Promise<Page> {
  const context = await chromium().newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    ignoreHTTPSErrors: true,
  });
  contexts.push(context);
  return context.newPage();
}

async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** A fetch from the page, as the Admin Portal's own code makes it. */
async function call(page: Page, pathname: string, method: string): Promise<{ status: number; error?: string }> {
  return (await page.evaluate(
    async ([p, m]) => {
      const r = await fetch(p as string, { method: m as string, headers: { 'x-kubevdi-csrf': '1' } });
      const text = await r.text();
      return { status: r.status, error: text ? (JSON.parse(text) as { error?: string }).error : undefined };
    },
    [pathname, method] as const,
  )) as { status: number; error?: string };
}

/** What a person sees on the Admin Portal: the pools listed, whether Hosts shows, the buttons on a desktop. */
async function whatTheySee(page: Page, url: string, ns: string, desktop: string, namespaces: readonly string[]) {
  await page.goto(`${url}/admin#overview`);
  await page.locator('#pools-heading').waitFor();
  const pools = (await page
    .locator('#view table tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => `${r.children[1]?.textContent}/${r.querySelector('a')?.getAttribute('href')?.split('/')[2]}`),
    )) as string[];
  const hosts = await page.locator('nav.views a[data-view="hosts"]').isVisible();
  await page.goto(`${url}/admin#pool/${ns}/sales`);
  await page.locator('#view h1', { hasText: 'Sales desktops' }).waitFor();
  await page.locator('#view h2', { hasText: 'Desktops' }).waitFor();
  const row = page.locator('#view tbody tr', { hasText: desktop });
  const buttons =
    (await row.count()) > 0
      ? ((await row.locator('.row-actions > *').evaluateAll((els) => els.map((e) => e.textContent))) as string[])
      : ['(desktops hidden)'];
  // Other tests' pools may be in the cluster too: only this test's namespaces count.
  return { pools: pools.filter((p) => namespaces.includes(p.split('/')[0] as string)).sort(), hosts, buttons };
}

describe('the Admin Portal', () => {
  it('shows each administrator what their RBAC allows, and lets a pool admin find and force-release a desktop', async () => {
    const ns = namespace();
    const other = await createNamespace('admin-other');
    cleanups.push(other.cleanup);
    await bindClusterRole(ns, 'kubevdi:user', 'oidc:vdi-users');
    await bindClusterRole(ns, 'kubevdi:pool-admin', 'oidc:vdi-pool-admins');
    await bindClusterRole(ns, 'kubevdi:template-admin', 'oidc:vdi-template-admins');
    await bindClusterRole(ns, 'kubevdi:viewer', 'oidc:vdi-viewers');
    const binding = `kubevdi-test-cluster-admins-${ns}`;
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: binding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:vdi-cluster-admins' }],
    });
    cleanups.push(() => kubeconfig().makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: binding }));
    // The simulator runs every desktop on this node.
    await applyAs()({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'sim-node-1', labels: { 'kubevirt.io/schedulable': 'true' } },
    });
    cleanups.push(() =>
      kubeconfig()
        .makeApiClient(CoreV1Api)
        .deleteNode({ name: 'sim-node-1' })
        .catch(() => undefined),
    );
    await templateWithDisks();
    const pool = (name: string, namespaceOfPool: string, spec: object) =>
      applyAs()({
        apiVersion: API_VERSION,
        kind: 'VirtualDesktopPool',
        metadata: { name, namespace: namespaceOfPool },
        spec,
      });
    await pool('sales', ns, {
      templateRef: { name: 'fedora' },
      displayName: 'Sales desktops',
      size: 2,
      prestarted: 1,
      access: { groups: ['oidc:vdi-users'] },
    });
    await pool('broken', ns, { templateRef: { name: 'no-such-template' }, size: 1 });
    await pool('elsewhere', other.name, { templateRef: { name: 'fedora' }, size: 0 });
    await world.start(['--leader-elect', 'false', '--session-poll-interval', '0.5s']);
    await apiServerTrustsIssuer(oidc, person('ada'));
    const portal = await startPortal({
      namespaces: [ns, other.name],
      oidc: { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret, caPem: oidc.caPem },
      sessionSecret: randomBytes(48),
      log: pino({ level: 'warn' }),
    });
    const url = portal.url;

    // ada, a plain user, takes a desktop and opens its console; the Admin Portal is not for her.
    const ada = await newPage();
    await signInWithOidc(ada, url, oidc.issuer, person('ada'));
    expect(await ada.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    const salesCard = ada.locator('#pools > li', { hasText: 'Sales desktops' });
    await eventually(async () => {
      await ada.reload();
      await salesCard.waitFor({ timeout: 2000 });
    });
    await salesCard.getByRole('button', { name: 'Get desktop' }).click();
    await ada.locator('#claims .headline', { hasText: 'Ready to connect' }).waitFor({ timeout: 60_000 });
    const [claim] = await listClaims();
    const desktop = claim?.status?.desktop?.name as string;
    const disk = await diskUid(desktop);
    await ada.goto(`${url}/admin`);
    await ada.waitForURL(`${url}/`);
    await ada.goto(`${url}${consolePagePath(ns, desktop)}`);
    await ada.getByText('Connected.').waitFor({ timeout: 30_000 });

    // Each administrator: the pools they see, Hosts or not, the buttons on ada's desktop.
    const pages = {} as Record<Exclude<Who, 'ada'>, Page>;
    const seen: Record<string, Awaited<ReturnType<typeof whatTheySee>>> = {};
    for (const who of ['hopper', 'hedy', 'linus', 'mary'] as const) {
      const page = await newPage();
      await signInWithOidc(page, url, oidc.issuer, person(who));
      expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(1);
      pages[who] = page;
      seen[who] = await whatTheySee(page, url, ns, desktop, [ns, other.name]);
    }
    const all = ['Console', 'Force release', 'Restart', 'Stop'];
    expect(
      Object.fromEntries(Object.entries(seen).map(([who, s]) => [who, { ...s, buttons: [...s.buttons].sort() }])),
    ).toEqual({
      hopper: { pools: [`${ns}/broken`, `${ns}/sales`, `${other.name}/elsewhere`].sort(), hosts: true, buttons: all },
      hedy: { pools: [`${ns}/broken`, `${ns}/sales`], hosts: false, buttons: all },
      linus: { pools: [`${ns}/broken`, `${ns}/sales`], hosts: false, buttons: ['(desktops hidden)'] },
      mary: { pools: [`${ns}/broken`, `${ns}/sales`], hosts: false, buttons: [] },
    });

    // What the interface hides, the API server refuses.
    for (const who of ['linus', 'mary'] as const) {
      const restart = await call(pages[who], `/api/admin/desktops/${ns}/${desktop}/restart`, 'POST');
      expect(restart.status, who).toBe(403);
      expect(restart.error).toMatch(/cannot update resource "virtualmachines\/restart"/);
      const release = await call(pages[who], `/api/admin/claims/${ns}/${claim?.metadata?.name}`, 'DELETE');
      expect(release.status, who).toBe(403);
    }
    expect((await listClaims()).map((c) => c.metadata?.name)).toEqual([claim?.metadata?.name]);

    // The overview: what needs attention first (the broken pool), and hopper's Hosts.
    const hedy = pages.hedy;
    await hedy.goto(`${url}/admin#overview`);
    const attention = hedy.locator('.attention', { hasText: 'Pool broken is degraded' });
    await eventually(async () => {
      await hedy.reload();
      await attention.waitFor({ timeout: 3000 });
    }, 30_000);
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-overview-1280.png');
    const hopper = pages.hopper;
    await hopper.goto(`${url}/admin#hosts`);
    await hopper.locator('#view h1', { hasText: 'Hosts' }).waitFor();
    const node = hopper.locator('#view tbody tr', { hasText: 'sim-node-1' });
    await node.waitFor();
    expect(Number(await node.locator('td').nth(2).textContent())).toBeGreaterThanOrEqual(1);
    expect(await axeFindings(hopper)).toEqual([]);

    // Scaled elsewhere (kubectl, GitOps): hedy's overview follows without a reload.
    await hedy.evaluate('window.stayed = true');
    const sizeCell = hedy.locator('#view tbody tr', { hasText: 'Sales desktops' }).locator('td').nth(3);
    expect(await sizeCell.textContent()).toBe('2');
    await kubeconfig()
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        {
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: 'virtualdesktoppools',
          namespace: ns,
          name: 'sales',
          body: { spec: { size: 3 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await eventually(async () => expect(await sizeCell.textContent()).toBe('3'), 15_000);
    expect(await hedy.evaluate('window.stayed')).toBe(true);

    // "Where is ada's desktop?": one search.
    await hedy.getByRole('link', { name: 'Sessions' }).click();
    await hedy.getByLabel('Find a user').fill('ada');
    await hedy.getByRole('button', { name: 'Find' }).click();
    const session = hedy.locator('#view tbody tr', { hasText: 'oidc:ada@example.com' });
    await session.waitFor();
    expect(await session.textContent()).toContain(desktop);
    expect(await hedy.locator('#view tbody tr').count()).toBe(1);
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-sessions-1280.png');

    // Force release, confirmed: her console ends, her grant goes, the desktop gets a new disk.
    await hedy.goto(`${url}/admin#pool/${ns}/sales`);
    const row = hedy.locator('#view tbody tr', { hasText: desktop });
    await row.waitFor();
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-pool-1280.png');
    await row.getByRole('button', { name: `Force release ${desktop}` }).click();
    const dialog = hedy.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('files on it are discarded');
    expect(await axeFindings(hedy)).toEqual([]);
    await dialog.getByRole('button', { name: 'Force release' }).click();
    await eventually(async () => expect(await listClaims()).toEqual([]), 30_000);
    await ada
      .getByText(/You may not open this desktop’s console|console ended|Trying again/)
      .first()
      .waitFor({ timeout: 30_000 });
    await ada.goto(`${url}${consolePagePath(ns, desktop)}`);
    await ada.getByText('You may not open this desktop’s console.').waitFor({ timeout: 30_000 });
    await eventually(async () => {
      const uid = await diskUid(desktop);
      expect(uid).toBeDefined();
      expect(uid).not.toBe(disk);
    }, 60_000);

    // Recorded as an Event naming hedy, in the live Events view, found by ada's name.
    await hedy.getByRole('link', { name: 'Events' }).click();
    await hedy.getByLabel('Pool, desktop or user').fill('ada');
    const recorded = hedy.locator('#view tbody tr', { hasText: 'ForceReleased' });
    await recorded.waitFor({ timeout: 15_000 });
    expect(await recorded.textContent()).toContain('oidc:hedy@example.com released oidc:ada@example.com');
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-events-1280.png');
  }, 300_000);
});
