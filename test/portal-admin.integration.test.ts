// The Admin Portal in real Chromium, signed in through the real OpenID provider, against the real
// API server, the operator and the simulator. A matrix of five people — a cluster admin, a pool
// admin of one namespace, a template admin, a viewer and a plain user — × every action the portal
// offers: what each is shown, and what the API server answers when each asks for every action
// anyway (the allowed ones really happen; the refused ones are refused by the API server, not only
// hidden). Then the pool admin finds ada's desktop by her name, reads its YAML, releases it by
// force — her console ends, her grant goes, the stateless desktop gets a new disk, an Event names
// who did it — and the overview follows a scale-up live. axe-core on each view; `npm run
// screenshots` writes the README's pictures.

import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { consolePagePath } from '../src/portal/console/protocol.js';
import { call, person, shoot, useAdminPages } from './support/admin-pages.js';
import { axeFindings, getDesktopInPortal, signInWithOidc, useChromium } from './support/browser.js';
import { applyAs, bindClusterRole, createNamespace, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { usePortals } from './support/portal.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('admin');
const world = useWorld(namespace);
const { templateWithDisks, listClaims, diskUid, claim: claimFor, vms } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const newPage = useAdminPages(chromium);
const oidc = inject('cluster').oidc;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PEOPLE = ['hopper', 'hedy', 'linus', 'mary', 'ada'] as const;
type Who = (typeof PEOPLE)[number];

/** What a person sees on the Admin Portal: the pools, Hosts, New pool, the buttons on a pool and a desktop. */
async function whatTheySee(page: Page, url: string, ns: string, desktop: string, namespaces: readonly string[]) {
  await page.goto(`${url}/admin#overview`);
  if (new URL(page.url()).pathname !== '/admin') return 'sent to the User Portal';
  await page.locator('#pools-heading').waitFor();
  const pools = (await page
    .locator('#view table tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => `${r.children[1]?.textContent}/${r.querySelector('a')?.getAttribute('href')?.split('/')[2]}`),
    )) as string[];
  const hosts = await page.locator('nav.views a[data-view="hosts"]').isVisible();
  const newPool = (await page.getByRole('link', { name: 'New pool' }).count()) > 0;
  await page.goto(`${url}/admin#pool/${ns}/sales`);
  await page.locator('#view h1', { hasText: 'Sales desktops' }).waitFor();
  await page.locator('#view h2', { hasText: 'Desktops' }).waitFor();
  const poolButtons = (await page
    .locator('.pool-actions > *')
    .evaluateAll((els) => els.map((e) => e.textContent))) as string[];
  const row = page.locator('#view tbody tr', { hasText: desktop });
  const desktopButtons =
    (await row.count()) > 0
      ? ((await row.locator('.row-actions > *').evaluateAll((els) => els.map((e) => e.textContent))) as string[]).sort()
      : '(desktops hidden)';
  // Other tests' pools may be in the cluster too: only this test's namespaces count.
  return {
    pools: pools.filter((p) => namespaces.includes(p.split('/')[0] as string)).sort(),
    hosts,
    newPool,
    poolButtons,
    desktopButtons,
  };
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
    await getDesktopInPortal(ada, 'Sales desktops');
    const [claim] = await listClaims();
    const desktop = claim?.status?.desktop?.name as string;
    const disk = await diskUid(desktop);
    await ada.goto(`${url}/admin`);
    await ada.waitForURL(`${url}/`);
    await ada.goto(`${url}${consolePagePath(ns, desktop)}`);
    await ada.getByText('Connected.').waitFor({ timeout: 30_000 });

    // The matrix: five people × what the Admin Portal offers. Each person's row says what the
    // interface shows them and what the API server answers when they ask for each action anyway
    // (allowed ones really happen: on the free desktop, on pools and claims made for the purpose).
    const free = await eventually(async () => {
      const running = (await vms()).find(
        (vm) => vm.metadata?.name !== desktop && vm.status?.printableStatus === 'Running',
      );
      expect(running).toBeDefined();
      return running?.metadata?.name as string;
    }, 60_000);
    for (const who of PEOPLE) {
      await pool(`doomed-${who}`, ns, { templateRef: { name: 'fedora' }, size: 0 });
      await claimFor(`waiting-${who}`, 'oidc:grace@example.com', 'broken');
    }
    const source = await (async () => {
      const page = await newPage();
      await signInWithOidc(page, url, oidc.issuer, person('hopper'));
      const answer = await call(page, `/api/admin/pools/${ns}/sales/source`);
      await page.context().close();
      return answer.json as { form: Record<string, unknown> };
    })();
    const vmiUid = async (name: string) =>
      (await kubeconfig()
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({
          group: 'kubevirt.io',
          version: 'v1',
          plural: 'virtualmachineinstances',
          namespace: ns,
          name,
        })
        .catch(() => undefined)) as { metadata?: { uid?: string }; status?: { phase?: string } } | undefined;
    /** What the API server answers, in a word: a refusal is its status code. */
    const answer = (a: { status: number; json?: unknown }) =>
      a.status === 403 ? 403 : a.status >= 400 ? `${a.status}: ${JSON.stringify(a.json)}` : 'done';
    const pages = {} as Record<Who, Page>;
    const matrix = {} as Record<Who, Record<string, unknown>>;
    for (const who of PEOPLE) {
      const page = await newPage();
      await signInWithOidc(page, url, oidc.issuer, person(who));
      pages[who] = page;
      const row: Record<string, unknown> = {
        link: (await page.getByRole('link', { name: 'Administration' }).count()) === 1,
        sees: await whatTheySee(page, url, ns, desktop, [ns, other.name]),
      };
      const form = { name: 'sales', create: false, dryRun: true, form: source.form };
      const edit = await call(page, `/api/admin/pools/${ns}`, 'POST', form);
      row['edit pool (dry run)'] = edit.status === 200 ? (edit.json as { valid: boolean }).valid : answer(edit);
      const create = await call(page, `/api/admin/pools/${ns}`, 'POST', { ...form, name: `new-${who}`, create: true });
      row['create pool (dry run)'] = create.status === 200 ? (create.json as { valid: boolean }).valid : answer(create);
      row.scale = answer(await call(page, `/api/admin/pools/${ns}/sales`, 'PATCH', { size: 2 }));
      row.pause = answer(await call(page, `/api/admin/pools/${ns}/sales`, 'PATCH', { paused: false }));
      row['delete pool'] = answer(await call(page, `/api/admin/pools/${ns}/doomed-${who}`, 'DELETE'));
      row['force release'] = answer(await call(page, `/api/admin/claims/${ns}/waiting-${who}`, 'DELETE'));
      row.hosts = answer(await call(page, '/api/admin/hosts'));
      row['desktop YAML'] = answer(await call(page, `/api/admin/yaml/desktop/${ns}/${desktop}`));
      row['claim YAML'] = answer(await call(page, `/api/admin/yaml/claim/${ns}/${claim?.metadata?.name}`));
      row['ada in Sessions'] =
        ((await call(page, '/api/admin/sessions?user=ada')).json as { sessions: unknown[] }).sessions.length > 0;
      row['template revisions'] = (
        (await call(page, `/api/admin/templates/${ns}/fedora`)).json as { revisionsVisible: boolean }
      ).revisionsVisible;
      // A restart of the free desktop (waited for, so the next person finds it running), then its console.
      const before = (await vmiUid(free))?.metadata?.uid;
      row.restart = answer(await call(page, `/api/admin/desktops/${ns}/${free}/restart`, 'POST'));
      if (row.restart === 'done')
        await eventually(async () => {
          const vmi = await vmiUid(free);
          expect(vmi?.metadata?.uid).not.toBe(before);
          expect(vmi?.status?.phase).toBe('Running');
        }, 60_000);
      await page.goto(`${url}${consolePagePath(ns, free)}`);
      const consoleWords = page
        .getByText(/^(Connected\.|The console is open elsewhere|You may not open this desktop’s console\.)/)
        .first();
      await consoleWords.waitFor({ timeout: 30_000 });
      row.console = /may not/.test((await consoleWords.textContent()) ?? '') ? 403 : 'done';
      await page.goto(`${url}/`); // the console closes, for the next person
      matrix[who] = row;
    }
    const administrator = (sees: object) => ({ link: true, sees, 'template revisions': true });
    const allowedEverything = {
      'edit pool (dry run)': true,
      'create pool (dry run)': true,
      scale: 'done',
      pause: 'done',
      'delete pool': 'done',
      'force release': 'done',
      restart: 'done',
      console: 'done',
      'desktop YAML': 'done',
      'claim YAML': 'done',
      'ada in Sessions': true,
    };
    const changesNothing = {
      'edit pool (dry run)': 403,
      'create pool (dry run)': 403,
      scale: 403,
      pause: 403,
      'delete pool': 403,
      'force release': 403,
      restart: 403,
      console: 403,
      hosts: 403,
    };
    // The pools of the namespace when each looked: those deleted by the people before are gone.
    const seen = (doomed: readonly Who[]) =>
      [`${ns}/broken`, `${ns}/sales`, ...doomed.map((w) => `${ns}/doomed-${w}`)].sort();
    const poolButtons = ['Edit', 'YAML', 'Scale', 'Pause', 'Delete'];
    const desktopButtons = ['Console', 'Force release', 'Restart', 'Stop'];
    expect(matrix).toEqual({
      hopper: {
        ...administrator({
          pools: [...seen(PEOPLE), `${other.name}/elsewhere`].sort(),
          hosts: true,
          newPool: true,
          poolButtons,
          desktopButtons,
        }),
        ...allowedEverything,
        hosts: 'done',
      },
      hedy: {
        ...administrator({
          pools: seen(['hedy', 'linus', 'mary', 'ada']),
          hosts: false,
          newPool: true,
          poolButtons,
          desktopButtons,
        }),
        ...allowedEverything,
        hosts: 403,
      },
      linus: {
        ...administrator({
          pools: seen(['linus', 'mary', 'ada']),
          hosts: false,
          newPool: false,
          poolButtons: ['YAML'],
          desktopButtons: '(desktops hidden)',
        }),
        ...changesNothing,
        'desktop YAML': 403,
        'claim YAML': 403,
        'ada in Sessions': false,
      },
      mary: {
        ...administrator({
          pools: seen(['linus', 'mary', 'ada']),
          hosts: false,
          newPool: false,
          poolButtons: ['YAML'],
          desktopButtons: [],
        }),
        ...changesNothing,
        'desktop YAML': 'done',
        'claim YAML': 'done',
        'ada in Sessions': true,
      },
      // Her own desktop and claim she may read (her grant); nothing else, and no Admin Portal.
      ada: {
        link: false,
        sees: 'sent to the User Portal',
        ...changesNothing,
        'desktop YAML': 'done',
        'claim YAML': 'done',
        'ada in Sessions': false,
        'template revisions': false,
      },
    });
    // The refusals are the API server's, in RBAC's words.
    const refused = await call(pages.mary, `/api/admin/desktops/${ns}/${free}/restart`, 'POST');
    expect(refused.error).toMatch(/cannot update resource "virtualmachines\/restart"/);
    // What was allowed happened, and only that.
    const left = async (plural: string, prefix: string) =>
      (
        (await kubeconfig()
          .makeApiClient(CustomObjectsApi)
          .listNamespacedCustomObject({ group: 'kubevdi.io', version: 'v1alpha1', plural, namespace: ns })) as {
          items: { metadata: { name: string; deletionTimestamp?: string } }[];
        }
      ).items
        // Being deleted counts as deleted: the API server accepted it; finalizers take their time.
        .filter((o) => !o.metadata.deletionTimestamp)
        .map((o) => o.metadata.name)
        .filter((n) => n.startsWith(prefix))
        .sort();
    expect(await left('virtualdesktoppools', 'doomed-')).toEqual(['doomed-ada', 'doomed-linus', 'doomed-mary']);
    expect(await left('virtualdesktoppools', 'new-')).toEqual([]);
    expect(await left('desktopclaims', 'waiting-')).toEqual(['waiting-ada', 'waiting-linus', 'waiting-mary']);
    for (const who of ['ada', 'linus', 'mary'])
      await kubeconfig()
        .makeApiClient(CustomObjectsApi)
        .deleteNamespacedCustomObject({
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: 'desktopclaims',
          namespace: ns,
          name: `waiting-${who}`,
        });
    await eventually(async () =>
      expect((await listClaims()).map((c) => c.metadata?.name)).toEqual([claim?.metadata?.name]),
    );

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

    /** A change made elsewhere (kubectl, GitOps), as a merge patch of the sales pool. */
    const changeSales = (body: object) =>
      kubeconfig().makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
        {
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: 'virtualdesktoppools',
          namespace: ns,
          name: 'sales',
          body,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );

    // Scaled elsewhere (kubectl, GitOps): hedy's overview follows without a reload.
    await hedy.evaluate('window.stayed = true');
    const sizeCell = hedy.locator('#view tbody tr', { hasText: 'Sales desktops' }).locator('td').nth(3);
    expect(await sizeCell.textContent()).toBe('2');
    await changeSales({ spec: { size: 3 } });
    await eventually(async () => expect(await sizeCell.textContent()).toBe('3'), 15_000);
    expect(await hedy.evaluate('window.stayed')).toBe(true);

    // "Where is ada's desktop?": one search. A live change that redraws the view while hedy
    // types keeps what she typed and where her caret is.
    await hedy.getByRole('link', { name: 'Sessions' }).click();
    await hedy.locator('#view h1', { hasText: 'Sessions' }).waitFor();
    const search = hedy.getByLabel('Find a user');
    await search.fill('ad');
    const results = await hedy.locator('#view table').elementHandle();
    await changeSales({ metadata: { labels: { touched: 'yes' } } });
    await hedy.waitForFunction((table) => !table?.isConnected, results, { timeout: 15_000 });
    expect(await search.inputValue()).toBe('ad');
    expect(await hedy.evaluate('document.activeElement?.id')).toBe('session-search');
    await hedy.keyboard.type('a');
    await hedy.keyboard.press('Enter');
    // The search is the view's address (a link to it finds ada again) and is announced.
    await hedy.waitForURL((u) => u.hash === '#sessions/ada');
    await hedy.locator('#live', { hasText: '1 session found for ada.' }).waitFor({ state: 'attached' });
    expect(await hedy.getByLabel('Find a user').inputValue()).toBe('ada');
    const session = hedy.locator('#view tbody tr', { hasText: 'oidc:ada@example.com' });
    await session.waitFor();
    expect(await session.textContent()).toContain(desktop);
    expect(await hedy.locator('#view tbody tr').count()).toBe(1);
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-sessions-1280.png');

    // Every object has its YAML: her claim from Sessions; the desktop (made by kubevdi for its
    // pool, so it says to change the pool) from the pool; its running instance from there.
    await session.getByRole('link', { name: `YAML of claim ${claim?.metadata?.name}` }).click();
    await hedy.locator('#view h1', { hasText: `YAML of claim ${claim?.metadata?.name}` }).waitFor();
    expect(await hedy.locator('pre.yaml').textContent()).toContain('user: oidc:ada@example.com');
    await hedy.goto(`${url}/admin#pool/${ns}/sales`);
    await hedy.locator('#view tbody tr').getByRole('link', { name: desktop, exact: true }).click();
    await hedy.locator('#view h1', { hasText: `YAML of desktop ${desktop}` }).waitFor();
    expect(await hedy.locator('.made-by').textContent()).toBe(
      'Made by kubevdi for pool sales: change the pool, not this desktop (the operator puts back what is changed here).',
    );
    const yaml = (await hedy.locator('pre.yaml').textContent()) ?? '';
    expect(yaml).toContain(`name: ${desktop}`);
    expect(yaml).not.toContain('managedFields');
    expect(await hedy.getByRole('note', { name: 'Managed by GitOps' }).count()).toBe(0);
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-yaml-desktop-1280.png');
    await hedy.getByRole('link', { name: 'YAML of its running instance' }).click();
    await hedy.locator('#view h1', { hasText: `YAML of running instance ${desktop}` }).waitFor();
    expect(await hedy.locator('.made-by').textContent()).toBe(`Made by KubeVirt while desktop ${desktop} runs.`);

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
      // Ended by the portal's guard as the grant goes (or by the desktop going first).
      .getByText(/This desktop is no longer yours|You may not open this desktop’s console|console ended|Trying again/)
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
  }, 480_000); // five people signed in through the provider, each trying every action, on a shared 2-core machine
});
