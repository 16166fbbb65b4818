// The Admin Portal's Templates views in real Chromium, signed in through the real OpenID provider,
// against the real API server, the operator and the simulator: a template edited twice has
// revisions 1 to 3 and the view says in words what changed between two the person picks; a pool
// rolling out shows how far it is, and which desktops run which revision (a held desktop stays on
// the old one until it is released); a template whose golden image is missing says so; the
// template admin sees templates but not desktops, edits one as YAML (the API server's schema
// messages with their paths as he types, nothing written until it passes, an Event naming him) and
// creates one; a pool admin may not (no Edit, 403 from the API server); a plain user is sent to
// the User Portal. axe-core on each view in light and dark; screenshots at laptop and phone widths.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
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

const namespace = useTestNamespace('admin-tpl');
const world = useWorld(namespace);
const { templateWithDisks, claim, readClaim } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const oidc = inject('cluster').oidc;
const newPage = useAdminPages(chromium);

const custom = () => kubeconfig().makeApiClient(CustomObjectsApi);
const TEMPLATES = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'vmtemplates' };
const POOLS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'virtualdesktoppools' };

async function patchTemplate(ns: string, spec: object): Promise<void> {
  await custom().patchNamespacedCustomObject(
    { ...TEMPLATES, namespace: ns, name: 'fedora', body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function templateRevision(ns: string): Promise<number | undefined> {
  const t = (await custom().getNamespacedCustomObject({ ...TEMPLATES, namespace: ns, name: 'fedora' })) as {
    status?: { revision?: number };
  };
  return t.status?.revision;
}

async function poolStatus(ns: string): Promise<{ templateRevision?: number; updated?: number }> {
  const p = (await custom().getNamespacedCustomObject({ ...POOLS, namespace: ns, name: 'sales' })) as {
    status?: { templateRevision?: number; updated?: number };
  };
  return p.status ?? {};
}

describe('the Admin Portal’s templates', () => {
  it('shows revisions, what changed between two, who runs which, rollout progress and why a template is not ready', async () => {
    const ns = namespace();
    await bindClusterRole(ns, 'kubevdi:user', 'oidc:vdi-users');
    await bindClusterRole(ns, 'kubevdi:pool-admin', 'oidc:vdi-pool-admins');
    await bindClusterRole(ns, 'kubevdi:template-admin', 'oidc:vdi-template-admins');
    await templateWithDisks();
    await applyAs()({
      apiVersion: API_VERSION,
      kind: 'VMTemplate',
      metadata: { name: 'windows', namespace: ns },
      spec: {
        displayName: 'Windows 11',
        os: { type: 'Windows', version: '11' },
        resources: { cpu: { cores: 4 }, memory: '8Gi' },
        rootDisk: { source: { dataSource: { name: 'win11-golden' } }, size: '64Gi' },
      },
    });
    await applyAs()({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name: 'sales', namespace: ns },
      spec: {
        templateRef: { name: 'fedora' },
        displayName: 'Sales desktops',
        size: 2,
        prestarted: 2,
        access: { groups: ['oidc:vdi-users'] },
        updateStrategy: { type: 'OnRelease', maxUnavailable: 1 },
      },
    });
    await world.start(['--leader-elect', 'false']);
    await apiServerTrustsIssuer(oidc, person('ada'));
    const portal = await startPortal({
      namespaces: [ns],
      oidc: { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret, caPem: oidc.caPem },
      sessionSecret: randomBytes(48),
      log: pino({ level: 'warn' }),
    });
    const url = portal.url;

    // Both desktops on revision 1; one of them held by ada, so it keeps revision 1 through a rollout.
    await eventually(
      async () => expect(await poolStatus(ns)).toMatchObject({ templateRevision: 1, updated: 2 }),
      60_000,
    );
    await claim('ada-desk', 'oidc:ada@example.com');
    await eventually(async () => expect((await readClaim('ada-desk')).status?.desktop?.name).toBeDefined(), 60_000);
    const held = (await readClaim('ada-desk')).status?.desktop?.name as string;

    // Edited twice: revisions 2 and 3; the free desktop is recreated on 3, the held one stays on 1.
    await patchTemplate(ns, { resources: { memory: '8Gi' } });
    await eventually(async () => expect(await templateRevision(ns)).toBe(2), 30_000);
    await patchTemplate(ns, { resources: { cpu: { cores: 4 } } });
    await eventually(async () => expect(await templateRevision(ns)).toBe(3), 30_000);
    await eventually(
      async () => expect(await poolStatus(ns)).toMatchObject({ templateRevision: 3, updated: 1 }),
      90_000,
    );

    // ada, a plain user, is sent to the User Portal.
    const ada = await newPage();
    await signInWithOidc(ada, url, oidc.issuer, person('ada'));
    await ada.goto(`${url}/admin#templates`);
    // (A redirect keeps the fragment: only the path says where she is.)
    await ada.waitForURL((u) => u.pathname === '/');
    await ada.getByRole('heading', { name: 'My desktops' }).waitFor();

    // hedy, the pool admin: the template's revisions, what changed, the rollout and who runs which.
    const hedy = await newPage();
    await signInWithOidc(hedy, url, oidc.issuer, person('hedy'));
    await hedy.goto(`${url}/admin#overview`);
    await hedy
      .locator('#view tbody tr', { hasText: 'Sales desktops' })
      .getByRole('link', { name: /fedora/ })
      .click();
    await hedy.locator('#view h1', { hasText: 'fedora' }).waitFor();
    expect(hedy.url()).toBe(`${url}/admin#template/${ns}/fedora`);
    const revisions = hedy.getByRole('region', { name: 'Revisions of fedora' }).locator('tbody tr');
    await eventually(async () =>
      expect(await revisions.locator('td:first-child').allTextContents()).toEqual(['3 (newest)', '2', '1']),
    );
    expect(await revisions.nth(2).textContent()).toContain('1'); // desktops on revision 1: the held one

    const changes = hedy.getByRole('list', { name: 'Changes from revision 2 to revision 3' });
    expect(await changes.locator('li').allTextContents()).toEqual(['spec.resources.cpu.cores: 2 → 4']);
    await hedy.getByLabel('From revision', { exact: true }).selectOption('1');
    await hedy.getByLabel('To revision', { exact: true }).selectOption('3');
    await hedy.getByRole('button', { name: 'Compare' }).click();
    const whole = hedy.getByRole('list', { name: 'Changes from revision 1 to revision 3' });
    await whole.waitFor();
    expect(await whole.locator('li').allTextContents()).toEqual([
      'spec.resources.cpu.cores: 2 → 4',
      'spec.resources.memory: 4Gi → 8Gi',
    ]);

    const rollout = hedy
      .getByRole('region', { name: 'Pools made from fedora' })
      .locator('tbody tr', { hasText: 'Sales desktops' });
    expect(await rollout.locator('.rollout-words').textContent()).toBe('1 of 2 desktops on revision 3');
    expect(await rollout.locator('progress').getAttribute('value')).toBe('1');
    const byRevision = await rollout.locator('.by-revision li').allTextContents();
    expect(byRevision).toHaveLength(2);
    expect(byRevision[0]).toMatch(/^Revision 3: 1 \(sales-\d+\)$/);
    expect(byRevision[1]).toBe(`Revision 1: 1 (${held})`);
    expect(await hedy.locator('pre.yaml').textContent()).toContain('memory: 8Gi');
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-template-1280.png');

    // The rollout finishes when ada gives her desktop back; the view follows without a reload.
    await custom().deleteNamespacedCustomObject({
      group: 'kubevdi.io',
      version: 'v1alpha1',
      plural: 'desktopclaims',
      namespace: ns,
      name: 'ada-desk',
    });
    await eventually(
      async () =>
        expect(await rollout.locator('.rollout-words').textContent()).toBe('Done: 2 of 2 desktops on revision 3'),
      90_000,
    );

    // The template whose golden image is missing says so, in words and in the operator's.
    await hedy.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Templates' }).click();
    const windows = hedy.locator('#view tbody tr', { hasText: 'Windows 11' });
    await windows.waitFor();
    await eventually(async () => {
      await hedy.reload();
      expect(await windows.textContent()).toContain('Not ready');
    }, 30_000);
    expect(await windows.textContent()).toContain('golden image (the root disk source) is missing');
    expect(await axeFindings(hedy)).toEqual([]);
    await windows.getByRole('link', { name: 'Windows 11' }).click();
    const problem = hedy.locator('.template-problem');
    await problem.waitFor();
    expect(await problem.textContent()).toContain(`DataSource ${ns}/win11-golden does not exist`);
    expect(await axeFindings(hedy)).toEqual([]);

    // linus, the template admin: templates and revisions, not the desktops.
    const linus = await newPage();
    await signInWithOidc(linus, url, oidc.issuer, person('linus'));
    await linus.goto(`${url}/admin#templates`);
    await linus.locator('#view tbody tr', { hasText: 'Windows 11' }).waitFor();
    expect(await linus.locator('#view tbody tr', { hasText: 'fedora' }).count()).toBe(1);
    await linus.goto(`${url}/admin#template/${ns}/fedora`);
    await linus.getByRole('region', { name: 'Revisions of fedora' }).waitFor();
    expect(
      await linus
        .getByRole('region', { name: 'Pools made from fedora' })
        .locator('tbody tr', { hasText: 'Sales desktops' })
        .textContent(),
    ).toContain('Hidden from you');

    // linus manages templates: he edits one as YAML; the API server checks each change as he
    // types and its words show with the path they name; nothing is written until it passes; the
    // save is an Event naming him. A new template starts from the example and is named in its YAML.
    await linus.goto(`${url}/admin#template/${ns}/windows`);
    await linus.getByRole('group', { name: 'Template actions' }).getByRole('link', { name: 'Edit' }).click();
    const editor = linus.getByLabel('Template YAML');
    await editor.waitFor();
    const original = await editor.inputValue();
    expect(original).toContain('memory: 8Gi');
    expect(original).not.toMatch(/managedFields|status:|uid:/);
    await editor.fill(original.replace('cores: 4', 'cores: 0'));
    const problems = linus.locator('#template-problems');
    await problems.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await problems.textContent()).toBe('spec.resources.cpu.cores: should be greater than or equal to 1');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    expect(await axeFindings(linus)).toEqual([]);
    await shoot(linus, 'admin-template-edit-1280.png');
    await linus.getByRole('button', { name: 'Save template' }).click();
    await linus.getByText('The API server refuses it: one problem.').waitFor();
    const windowsSpec = async () =>
      (
        (await custom().getNamespacedCustomObject({ ...TEMPLATES, namespace: ns, name: 'windows' })) as {
          spec: { resources: { cpu: { cores: number }; memory: string } };
        }
      ).spec.resources;
    expect(await windowsSpec()).toMatchObject({ cpu: { cores: 4 }, memory: '8Gi' });
    await editor.fill(original.replace('memory: 8Gi', 'memory: 16Gi'));
    await linus.getByText('The API server accepts this template.').waitFor({ timeout: 15_000 });
    // The test applied the template itself (field manager kubevdi-test), as GitOps would: warned first.
    await linus.getByRole('button', { name: 'Save template' }).click();
    const keptByGit = linus.getByRole('dialog', { name: 'Change a template that GitOps keeps?' });
    // A dry run and a read of the live template first: a minute on a machine as loaded as CI's can be.
    await keptByGit.waitFor({ timeout: 60_000 });
    expect(await keptByGit.textContent()).toContain('kubevdi-test (which applies these fields)');
    await keptByGit.getByRole('button', { name: 'Save anyway' }).click();
    await linus.waitForURL(`${url}/admin#template/${ns}/windows`);
    expect(await windowsSpec()).toMatchObject({ cpu: { cores: 4 }, memory: '16Gi' });
    await eventually(async () => {
      const events = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
      expect(
        events.items
          .filter((e) => e.involvedObject.kind === 'VMTemplate' && e.reason === 'AdminChanged')
          .map((e) => e.message),
      ).toEqual(['oidc:linus@example.com changed template windows from the Admin Portal']);
    });
    await linus.goto(`${url}/admin#templates`);
    await linus.getByRole('link', { name: 'New template' }).click();
    const starter = await editor.inputValue();
    await editor.fill(starter.replace('name: ""', 'name: ubuntu'));
    await linus.getByText('The API server accepts this template.').waitFor({ timeout: 15_000 });
    await linus.getByRole('button', { name: 'Create template' }).click();
    await linus.waitForURL(`${url}/admin#template/${ns}/ubuntu`);
    await linus.locator('#view h1', { hasText: 'Fedora Workstation' }).waitFor();

    // hedy, a pool admin, reads templates but may not change them: no Edit, and the API server refuses.
    await hedy.goto(`${url}/admin#template/${ns}/windows`);
    await hedy.locator('#view h1', { hasText: 'Windows 11' }).waitFor();
    expect(await hedy.getByRole('group', { name: 'Template actions' }).count()).toBe(0);
    const refused = await call(hedy, `/api/admin/templates/${ns}`, 'POST', {
      name: 'windows',
      dryRun: true,
      yaml: original,
    });
    expect(refused.status).toBe(403);
    expect(refused.error).toMatch(/cannot patch resource "vmtemplates"/);

    // Light and dark, laptop and phone: axe finds nothing serious, and the pictures are there to look at.
    for (const [width, scheme] of [
      [1280, 'dark'],
      [390, 'light'],
      [390, 'dark'],
    ] as const) {
      const page = await newPage({ width, colorScheme: scheme });
      await signInWithOidc(page, url, oidc.issuer, person('hedy'));
      for (const [hash, ready] of [
        [`#template/${ns}/fedora`, 'What changed'],
        ['#templates', 'Templates'],
      ] as const) {
        await page.goto(`${url}/admin${hash}`);
        await page.locator('#view h1, #view h2', { hasText: ready }).first().waitFor();
        await page.locator('.diff-result li, #view table').first().waitFor();
        expect(await axeFindings(page), `${hash} ${width} ${scheme}`).toEqual([]);
        await shoot(page, `admin-${hash.slice(1).split('/')[0]}-${width}-${scheme}.png`);
      }
    }
  }, 400_000);
});
