// Node maintenance from the Admin Portal's Hosts view, end to end in Chromium: a real API server,
// the KubeVirt simulator with two nodes of this test's own, the operator, the portal. ada (a user)
// holds a desktop that cannot migrate (its disk is ReadWriteOnce); hopper (cluster admin) starts
// maintenance on its node from the Hosts view — the node is cordoned with his deadline, an Event on
// it names him, and the view shows, live, what is left to move and that ada still works there until
// her restart; ada's portal shows the countdown. hedy (pool admin who may only read nodes) sees the
// Hosts view without the buttons, and the API server refuses her forged requests. hopper ends
// maintenance: the node is uncordoned. axe-core; screenshots at 1280 and 390 px in
// /tmp/kubevdi-screenshots (docs/images under `npm run screenshots`).
import { randomBytes } from 'node:crypto';
import { CoreV1Api, RbacAuthorizationV1Api, type V1Node } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { MAINTENANCE_DEADLINE_ANNOTATION } from '../src/api/node-maintenance.js';
import { call, person, shoot, useAdminPages } from './support/admin-pages.js';
import { axeFindings, getDesktopInPortal, signInWithOidc, useChromium } from './support/browser.js';
import { applyAs, bindClusterRole, kubeconfig, useTestNamespace } from './support/cluster.js';
import { readInstance, useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { captureLogs, usePortals } from './support/portal.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('admin-hosts');
const world = useWorld(namespace, { nodes: 2 });
const { templateWithDisks, pool, listClaims } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const newPage = useAdminPages(chromium);
const oidc = inject('cluster').oidc;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const core = () => kubeconfig().makeApiClient(CoreV1Api);

async function nodeOf(ns: string, desktop: string): Promise<string | undefined> {
  return (await readInstance(ns, desktop))?.status?.nodeName;
}

/** The portal's Events on a node (in `default`, as the kubelet's own), newest last. */
async function nodeEvents(node: string) {
  const list = await core().listNamespacedEvent({ namespace: 'default' });
  return list.items
    .filter((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === node)
    .map((e) => ({
      reason: e.reason,
      message: e.message,
      actor: e.metadata?.annotations?.['kubevdi.io/actor'],
      involvedNamespace: e.involvedObject.namespace ?? '',
    }));
}

/** Cluster-scoped RBAC of this test, deleted after it. */
async function clusterRbac(name: string, rules: object[] | undefined, roleName: string, group: string) {
  const rbac = kubeconfig().makeApiClient(RbacAuthorizationV1Api);
  if (rules) {
    await applyAs()({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: roleName },
      rules,
    });
    cleanups.push(() => rbac.deleteClusterRole({ name: roleName }).catch(() => undefined));
  }
  await applyAs()({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
  cleanups.push(() => rbac.deleteClusterRoleBinding({ name }).catch(() => undefined));
}

const hostRow = (page: Page, node: string) =>
  page.locator('#view .table-scroll[aria-label="Hosts"] tbody tr', { hasText: node });

describe('node maintenance in the Admin Portal', () => {
  it('lets someone who may patch nodes start and end it, shows what is left and who works there, and the person’s countdown', async () => {
    const ns = namespace();
    await bindClusterRole(ns, 'kubevdi:user', 'oidc:vdi-users');
    await bindClusterRole(ns, 'kubevdi:pool-admin', 'oidc:vdi-pool-admins');
    await clusterRbac(`kubevdi-test-cluster-admins-${ns}`, undefined, 'cluster-admin', 'oidc:vdi-cluster-admins');
    // hedy may read nodes (the Hosts view) but not change them.
    await clusterRbac(
      `kubevdi-test-node-readers-${ns}`,
      [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
      `kubevdi-test-node-reader-${ns}`,
      'oidc:vdi-pool-admins',
    );
    await templateWithDisks();
    await pool('sales', {
      displayName: 'Sales desktops',
      size: 3,
      prestarted: 3,
      access: { groups: ['oidc:vdi-users'] },
      session: { idle: { action: 'None' } },
      maintenance: { noticeMinutes: 60 },
    });
    await world.start(['--leader-elect', 'false', '--session-poll-interval', '0.5s']);
    await apiServerTrustsIssuer(oidc, person('ada'));
    const { log, lines } = captureLogs('info');
    const portal = await startPortal({
      namespaces: [ns],
      oidc: { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret, caPem: oidc.caPem },
      sessionSecret: randomBytes(48),
      log,
    });
    const url = portal.url;

    // ada takes a desktop; its disk is ReadWriteOnce, so it cannot migrate.
    const ada = await newPage();
    await signInWithOidc(ada, url, oidc.issuer, person('ada'));
    await getDesktopInPortal(ada, 'Sales desktops');
    const [claim] = await listClaims();
    const desktop = claim?.status?.desktop?.name as string;
    const node = (await eventually(async () => {
      const where = await nodeOf(ns, desktop);
      expect(where).toBeDefined();
      return where;
    })) as string;

    // hopper, cluster admin: the Hosts view, with Start maintenance on each node.
    const hopper = await newPage();
    await signInWithOidc(hopper, url, oidc.issuer, person('hopper'));
    await hopper.goto(`${url}/admin#hosts`);
    await hopper.locator('#view h1', { hasText: 'Hosts' }).waitFor();
    const row = hostRow(hopper, node);
    await row.waitFor();
    const start = row.getByRole('button', { name: `Start maintenance on ${node}` });
    await start.click();
    const dialog = hopper.getByRole('dialog', { name: `Start maintenance on ${node}?` });
    await dialog.waitFor();
    // It says what will happen before anything does.
    const words = await dialog.textContent();
    expect(words).toContain('no new desktop starts there');
    expect(words).toContain('Free desktops move to other nodes first');
    expect(words).toContain('Held desktops migrate live where KubeVirt can move them');
    expect(words).toContain('countdown');
    const deadlineInput = dialog.getByLabel('Restart held desktops that cannot migrate at');
    // The pools' default notice is offered: an hour from now, to the minute.
    const offered = Date.parse(`${await deadlineInput.inputValue()}Z`);
    const browserOffset = await hopper.evaluate(() => new Date().getTimezoneOffset());
    expect(Math.abs(offered + browserOffset * 60_000 - (Date.now() + 3_600_000))).toBeLessThan(3 * 60_000);
    expect(await axeFindings(hopper)).toEqual([]);
    await dialog.getByRole('button', { name: 'Start maintenance' }).click();

    // The node is cordoned with hopper's deadline, and an Event on it names him.
    const cordoned = await eventually(async () => {
      const n: V1Node = await core().readNode({ name: node });
      expect(n.spec?.unschedulable).toBe(true);
      expect(n.metadata?.annotations?.[MAINTENANCE_DEADLINE_ANNOTATION]).toBeDefined();
      return n;
    });
    const deadline = Date.parse(cordoned.metadata?.annotations?.[MAINTENANCE_DEADLINE_ANNOTATION] as string);
    expect(Math.abs(deadline - (Date.now() + 3_600_000))).toBeLessThan(3 * 60_000);
    await eventually(async () =>
      expect(await nodeEvents(node)).toContainEqual({
        reason: 'MaintenanceStarted',
        message: expect.stringMatching(
          /^oidc:hopper@example\.com started maintenance on node .* from the Admin Portal$/,
        ),
        actor: 'oidc:hopper@example.com',
        involvedNamespace: '',
      }),
    );

    const audit = () =>
      lines.map((l) => JSON.parse(l) as { audit?: string; by?: string; node?: string }).filter((l) => l.audit);
    await eventually(async () =>
      expect(audit()).toContainEqual(
        expect.objectContaining({ audit: 'node-maintenance-started', by: 'oidc:hopper@example.com', node }),
      ),
    );

    // The view follows, without a reload: the node in maintenance, what is left to move off it,
    // and that ada still works there until her restart (the operator told her).
    await hopper.evaluate('window.stayed = true');
    await row.getByRole('button', { name: `End maintenance on ${node}` }).waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('In maintenance until');
    const section = hopper.getByRole('region', { name: `Maintenance on ${node}` });
    const ada$ = section.locator('tbody tr', { hasText: 'oidc:ada@example.com' });
    await eventually(async () => {
      expect(await ada$.textContent()).toContain('Restarts at');
      expect(await section.textContent()).toContain('1 held desktop waiting for its restart');
    }, 60_000);
    expect(await ada$.textContent()).toContain(desktop);
    expect(await ada$.textContent()).toContain('sales');
    expect(await hopper.evaluate('window.stayed')).toBe(true);
    expect(await axeFindings(hopper)).toEqual([]);
    await shoot(hopper, 'admin-hosts-maintenance-1280.png');
    const phone = await newPage({ width: 390 });
    await signInWithOidc(phone, url, oidc.issuer, person('hopper'));
    await phone.goto(`${url}/admin#hosts`);
    await phone
      .getByRole('region', { name: `Maintenance on ${node}` })
      .locator('tbody tr')
      .first()
      .waitFor();
    // Rows stack as cards: nothing wider than the phone.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shoot(phone, 'admin-hosts-maintenance-390.png');

    // ada's portal: the countdown, in her words.
    const countdown = ada.locator('#claims .countdown');
    await countdown.waitFor({ timeout: 30_000 });
    expect(await countdown.textContent()).toContain('will be restarted for maintenance at');
    expect(await countdown.textContent()).toContain('going into maintenance');
    expect(await axeFindings(ada)).toEqual([]);
    await shoot(ada, 'portal-maintenance-countdown-1280.png');
    await ada.setViewportSize({ width: 390, height: 844 });
    await shoot(ada, 'portal-maintenance-countdown-390.png');

    // hedy may read nodes, not change them: no buttons, and the API server refuses her anyway.
    const hedy = await newPage();
    await signInWithOidc(hedy, url, oidc.issuer, person('hedy'));
    await hedy.goto(`${url}/admin#hosts`);
    await hostRow(hedy, node).waitFor();
    expect(await hedy.getByRole('button', { name: /maintenance/ }).count()).toBe(0);
    const forged = await call(hedy, `/api/admin/nodes/${node}/maintenance`, 'DELETE');
    expect(forged.status).toBe(403);
    const other = `${ns}-${node.endsWith('-1') ? 2 : 1}`;
    expect((await call(hedy, `/api/admin/nodes/${other}/maintenance`, 'POST', {})).status).toBe(403);
    expect((await core().readNode({ name: node })).spec?.unschedulable).toBe(true);
    expect((await core().readNode({ name: other })).spec?.unschedulable).toBeFalsy();

    // hopper ends it: the node is uncordoned, its deadline gone, and that is recorded too.
    await row.getByRole('button', { name: `End maintenance on ${node}` }).click();
    await hopper
      .getByRole('dialog', { name: `End maintenance on ${node}?` })
      .getByRole('button', { name: 'End maintenance' })
      .click();
    await eventually(async () => {
      const n = await core().readNode({ name: node });
      expect(n.spec?.unschedulable).toBeFalsy();
      expect(n.metadata?.annotations?.[MAINTENANCE_DEADLINE_ANNOTATION]).toBeUndefined();
    });
    await eventually(async () =>
      expect((await nodeEvents(node)).map((e) => [e.reason, e.actor])).toContainEqual([
        'MaintenanceEnded',
        'oidc:hopper@example.com',
      ]),
    );
    await eventually(async () =>
      expect(audit()).toContainEqual(
        expect.objectContaining({ audit: 'node-maintenance-ended', by: 'oidc:hopper@example.com', node }),
      ),
    );
    await row.getByRole('button', { name: `Start maintenance on ${node}` }).waitFor({ timeout: 15_000 });
    expect(await section.count()).toBe(0);
    // ada's desktop stays where it is, and her countdown ends.
    await countdown.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await nodeOf(ns, desktop)).toBe(node);
  }, 300_000);
});
