// The Admin Portal's pools in real Chromium, signed in through the real OpenID provider, against
// the real API server and the operator: hedy (pool admin) creates a pool from the form — invalid
// values get the API server's own CEL and schema messages beside their fields and nothing is
// created — scales it (the overview in another tab follows), pauses, resumes and deletes it; a
// pool Argo CD keeps warns before anything is written and offers its YAML; mary (viewer) sees no
// such buttons and the API server refuses her direct calls. axe-core with messages and dialogs;
// screenshots at 1280 and 390 px, light and dark, in /tmp/kubevdi-screenshots.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { call, person, shoot, useAdminPages } from './support/admin-pages.js';
import { axeFindings, signInWithOidc, useChromium } from './support/browser.js';
import { applyAs, bindClusterRole, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { usePortals } from './support/portal.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('admin-pools');
const world = useWorld(namespace);
const { templateWithDisks } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const oidc = inject('cluster').oidc;
const newPage = useAdminPages(chromium);
const POOLS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'virtualdesktoppools' };

const pools = async (ns: string) =>
  (
    (await kubeconfig()
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({ ...POOLS, namespace: ns })) as {
      items: { metadata: { name: string }; spec: { size: number; paused?: boolean } }[];
    }
  ).items;

describe('the Admin Portal’s pools', () => {
  it('creates, checks, scales, pauses, deletes and warns about GitOps, as RBAC allows', async () => {
    const ns = namespace();
    await bindClusterRole(ns, 'kubevdi:pool-admin', 'oidc:vdi-pool-admins');
    await bindClusterRole(ns, 'kubevdi:viewer', 'oidc:vdi-viewers');
    await templateWithDisks();
    // Kept by Argo CD: as its Application applies it (labels, tracking annotation).
    await applyAs()({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: {
        name: 'from-git',
        namespace: ns,
        labels: { 'app.kubernetes.io/instance': 'desktops-sales' },
        annotations: {
          'argocd.argoproj.io/tracking-id': `desktops-sales:kubevdi.io/VirtualDesktopPool:${ns}/from-git`,
        },
      },
      spec: { templateRef: { name: 'fedora' }, size: 1 },
    });
    await world.start(['--leader-elect', 'false']);
    await apiServerTrustsIssuer(oidc, person('hedy'));
    const portal = await startPortal({
      namespaces: [ns],
      oidc: { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret, caPem: oidc.caPem },
      sessionSecret: randomBytes(48),
      log: pino({ level: 'warn' }),
    });
    const url = portal.url;
    const hedy = await newPage();
    await signInWithOidc(hedy, url, oidc.issuer, person('hedy'));

    // Invalid values: the API server's own words beside the fields, nothing created.
    await hedy.goto(`${url}/admin#overview`);
    await hedy.getByRole('link', { name: 'New pool' }).click();
    await hedy.locator('#view h1', { hasText: 'New pool' }).waitFor();
    await hedy.getByLabel('Name', { exact: true }).fill('Bad_Name');
    await hedy.getByLabel('Template', { exact: true }).fill('fedora');
    await hedy.getByLabel('Size').fill('1');
    await hedy.getByLabel('Prestarted').fill('3');
    await hedy.getByLabel('Desktops per user').fill('0');
    const error = (field: string) => hedy.locator(`#pool-${field}-error`);
    await error('prestarted').getByText('prestarted cannot be larger than size').waitFor({ timeout: 15_000 });
    await error('maxDesktopsPerUser').getByText('maxDesktopsPerUser must be at least 1').waitFor();
    expect(await error('name').isVisible()).toBe(true);
    expect(await hedy.getByLabel('Prestarted').getAttribute('aria-invalid')).toBe('true');
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-pool-form-errors-1280.png');
    await hedy.setViewportSize({ width: 390, height: 844 });
    await hedy.emulateMedia({ colorScheme: 'dark' });
    await shoot(hedy, 'admin-pool-form-errors-390-dark.png');
    expect(await axeFindings(hedy)).toEqual([]);
    await hedy.setViewportSize({ width: 1280, height: 800 });
    await hedy.emulateMedia({ colorScheme: 'light' });
    await hedy.getByRole('button', { name: 'Create pool' }).click();
    await hedy.locator('#pool-prestarted-error:not([hidden])').waitFor();
    expect((await pools(ns)).map((p) => p.metadata.name)).toEqual(['from-git']);

    // Valid values: created when submitted.
    await hedy.getByLabel('Name', { exact: true }).fill('desk');
    await hedy.getByLabel('Prestarted').fill('0');
    await hedy.getByLabel('Desktops per user').fill('1');
    await hedy.getByText('The API server accepts these values.').waitFor({ timeout: 15_000 });
    await hedy.getByRole('button', { name: 'Create pool' }).click();
    await hedy.waitForURL(`${url}/admin#pool/${ns}/desk`);
    expect((await pools(ns)).map((p) => p.metadata.name).sort()).toEqual(['desk', 'from-git']);

    // Scaled from the pool's page: the overview in another tab follows without a reload.
    const overview = await hedy.context().newPage();
    await overview.goto(`${url}/admin#overview`);
    const sizeCell = overview.locator('#view tbody tr', { hasText: 'desk' }).locator('td').nth(3);
    await eventually(async () => expect(await sizeCell.textContent()).toBe('1'), 15_000);
    await hedy.getByRole('button', { name: 'Scale' }).click();
    const dialog = hedy.getByRole('dialog');
    await dialog.waitFor();
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-pool-scale-1280.png');
    await dialog.getByLabel('Desktops').fill('2');
    await dialog.getByRole('button', { name: 'Scale' }).click();
    await eventually(async () => expect(await sizeCell.textContent()).toBe('2'), 15_000);
    expect((await pools(ns)).find((p) => p.metadata.name === 'desk')?.spec.size).toBe(2);

    // Pause and resume, each confirmed.
    await hedy.getByRole('button', { name: 'Pause' }).click();
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await hedy.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 15_000 });
    expect((await pools(ns)).find((p) => p.metadata.name === 'desk')?.spec.paused).toBe(true);
    await hedy.getByRole('button', { name: 'Resume' }).click();
    await dialog.getByRole('button', { name: 'Resume' }).click();
    await hedy.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 15_000 });
    expect((await pools(ns)).find((p) => p.metadata.name === 'desk')?.spec.paused).toBe(false);
    // Each change is an Event on the pool naming hedy: who did what on Monday morning.
    const poolEvents = async () =>
      (await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items
        .filter((e) => e.involvedObject.kind === 'VirtualDesktopPool' && e.involvedObject.name === 'desk')
        .filter((e) => e.source?.component === 'kubevdi-portal')
        .map((e) => `${e.reason}: ${e.message}`);
    await eventually(async () =>
      expect((await poolEvents()).sort()).toEqual([
        'AdminCreated: oidc:hedy@example.com created pool desk from the Admin Portal',
        'AdminPaused: oidc:hedy@example.com paused pool desk from the Admin Portal',
        'AdminResumed: oidc:hedy@example.com resumed pool desk from the Admin Portal',
        'AdminScaled: oidc:hedy@example.com scaled pool desk to 2 from the Admin Portal',
      ]),
    );

    // Editing a pool Argo CD keeps: warned before anything is written, offered the YAML to commit.
    await hedy.goto(`${url}/admin#pool-edit/${ns}/from-git`);
    await hedy.getByText('Managed by GitOps').waitFor();
    expect(await hedy.locator('.gitops-warning').textContent()).toContain('Argo CD (desktops-sales)');
    await hedy.getByLabel('Size').fill('4');
    const yaml = hedy.locator('.yaml-block', { hasText: 'YAML to commit instead' });
    await yaml.locator('pre', { hasText: 'size: 4' }).waitFor({ timeout: 15_000 });
    expect(await yaml.textContent()).not.toContain('managedFields');
    await hedy.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('reverted at its next sync');
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-pool-gitops-1280.png');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await pools(ns)).find((p) => p.metadata.name === 'from-git')?.spec.size).toBe(1);
    await hedy.emulateMedia({ colorScheme: 'dark' });
    await shoot(hedy, 'admin-pool-gitops-1280-dark.png');
    await hedy.setViewportSize({ width: 390, height: 844 });
    await shoot(hedy, 'admin-pool-gitops-390-dark.png');
    await hedy.emulateMedia({ colorScheme: 'light' });
    await shoot(hedy, 'admin-pool-gitops-390.png');
    await hedy.setViewportSize({ width: 1280, height: 800 });
    // The direct call is held back too, until the person says they saw the warning.
    const form = { name: 'from-git', create: false, dryRun: false };
    const held = await hedy.evaluate(
      async ([p, b]) => {
        const source = (await (await fetch(`${p}/from-git/source`)).json()) as { form: object };
        const r = await fetch(p as string, {
          method: 'POST',
          headers: { 'x-kubevdi-csrf': '1', 'content-type': 'application/json' },
          body: JSON.stringify({ ...(b as object), form: { ...source.form, size: 5 } }),
        });
        return r.json();
      },
      [`/api/admin/pools/${ns}`, form] as const,
    );
    expect(held).toMatchObject({ valid: true, written: false });
    // Argo CD by its annotations, and the test's own applier (it owns spec.size) by managedFields.
    expect((held as { gitops: { tool: string; name?: string }[] }).gitops.map((g) => `${g.tool} ${g.name}`)).toEqual([
      'Argo CD desktops-sales',
      'field manager kubevdi-test',
    ]);
    expect((await pools(ns)).find((p) => p.metadata.name === 'from-git')?.spec.size).toBe(1);
    await hedy.goto(`${url}/admin#yaml/pool/${ns}/from-git`);
    await hedy.locator('pre.yaml', { hasText: 'argocd.argoproj.io/tracking-id' }).waitFor();
    expect(await axeFindings(hedy)).toEqual([]);

    // mary, a viewer: the YAML yes, no buttons that change; the API server refuses her anyway.
    const mary = await newPage();
    await signInWithOidc(mary, url, oidc.issuer, person('mary'));
    await mary.goto(`${url}/admin#pool/${ns}/desk`);
    await mary.locator('.pool-actions').waitFor();
    expect(await mary.locator('.pool-actions > *').evaluateAll((els) => els.map((e) => e.textContent))).toEqual([
      'YAML',
    ]);
    await mary.goto(`${url}/admin#overview`);
    await mary.locator('#pools-heading').waitFor();
    expect(await mary.getByRole('link', { name: 'New pool' }).count()).toBe(0);
    const source = (await mary.evaluate(
      async (p) => (await fetch(p)).json(),
      `/api/admin/pools/${ns}/desk/source`,
    )) as {
      form: object;
    };
    for (const [method, pathname, body] of [
      ['POST', `/api/admin/pools/${ns}`, { name: 'desk', create: false, dryRun: true, form: source.form }],
      ['PATCH', `/api/admin/pools/${ns}/desk`, { size: 0 }],
      ['PATCH', `/api/admin/pools/${ns}/desk`, { paused: true }],
      ['DELETE', `/api/admin/pools/${ns}/desk`, undefined],
    ] as const) {
      const refused = await call(mary, pathname, method, body);
      expect(refused.status, `${method} ${pathname}`).toBe(403);
      expect(refused.error).toMatch(/cannot (patch|delete)/);
    }

    // Delete, confirmed, saying what happens to held desktops.
    await hedy.goto(`${url}/admin#pool/${ns}/desk`);
    await hedy.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('deleted with their disks');
    await dialog.getByRole('button', { name: 'Delete pool' }).click();
    await hedy.waitForURL(`${url}/admin#overview`);
    await eventually(async () => expect((await pools(ns)).map((p) => p.metadata.name)).toEqual(['from-git']), 15_000);
  }, 300_000);
});
