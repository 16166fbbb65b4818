// A pool's warm desktops in the Admin Portal, end to end: the operator (in this process, on a clock
// the test moves through a day) follows a capacity schedule and counts each hour into the pool's
// status; hedy (pool admin) sees the schedule, the phase, the next change and the 24-hour chart of
// that day, edits a window through the pool form's server-side dry run — an overlapping window
// comes back in the API server's CEL words and nothing is written — and saves; mary (viewer) sees
// the schedule but no edit, and the API server refuses her change anyway. axe-core; screenshots at
// 1280 and 390 px in /tmp/kubevdi-screenshots (docs/images under `npm run screenshots`).
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSimulator } from '../local/simulator/start.js';
import { HOUR_MS, hourStart } from '../src/api/pool-usage.js';
import { type RunningOperator, startOperator } from '../src/operator.js';
import { silentLogger } from '../src/runtime/log.js';
import { call, person, shoot, useAdminPages } from './support/admin-pages.js';
import { axeFindings, signInWithOidc, useChromium } from './support/browser.js';
import { bindClusterRole, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { sampleValue } from './support/metrics.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { usePortals } from './support/portal.js';

const namespace = useTestNamespace('admin-schedule');
const { templateWithDisks, pool, claim, bound } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const oidc = inject('cluster').oidc;
const newPage = useAdminPages(chromium);
const POOLS = { group: 'kubevdi.io', version: 'v1alpha1', plural: 'virtualdesktoppools' };
const ZONE = 'Europe/Berlin';
const EVERY_DAY = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** The hour Berlin's clock shows at `ms`, as HH:00. */
const berlinHour = (ms: number) =>
  `${new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', hourCycle: 'h23' }).format(ms)}:00`;

/** Every day from `from` to `to` (HH:00): one window, or two when it runs over midnight. */
function officeHours(from: string, to: string, warm: number) {
  const window = (name: string, a: string, b: string) => ({ name, days: EVERY_DAY, from: a, to: b, warm });
  if (from < to) return [window('office-hours', from, to)];
  return [
    window('office-hours', from, '24:00'),
    ...(to === '00:00' ? [] : [window('office-hours-early', '00:00', to)]),
  ];
}

const readPool = async (ns: string) =>
  (await kubeconfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...POOLS, namespace: ns, name: 'sales' })) as {
    spec: {
      capacity: { schedules: { name: string; warm: number | string }[]; rampDown?: { idleMinutes: number } };
    };
  };

describe('the Admin Portal’s schedule of a pool', () => {
  it('shows the schedule, phase and a day’s chart, and lets a pool admin (not a viewer) edit a window through the dry run', async () => {
    const ns = namespace();
    await bindClusterRole(ns, 'kubevdi:pool-admin', 'oidc:vdi-pool-admins');
    await bindClusterRole(ns, 'kubevdi:viewer', 'oidc:vdi-viewers');
    const sim = await startSimulator({
      kubeconfig: inject('cluster').adminKubeconfig,
      namespace: ns,
      bootDelayMs: 50,
      stopDelayMs: 20,
      cloneDelayMs: 50,
    });
    stops.push(() => sim.stop());
    // The operator's day begins a minute into the hour 24 hours before this one, and ends now; a
    // jump of its clock makes it look at every schedule again at once.
    const start = hourStart(Date.now()) - 24 * HOUR_MS + 60_000;
    let offsetMs = start - Date.now();
    const jumps: (() => void)[] = [];
    const operator: RunningOperator = await startOperator({
      kubeconfig: kubeconfig(),
      log: silentLogger,
      namespace: ns,
      clock: { now: () => new Date(Date.now() + offsetMs), onJump: (listener) => jumps.push(listener) },
    });
    stops.push(() => operator.stop());
    const at = (ms: number) => {
      offsetMs = ms - Date.now();
      for (const jump of jumps) jump();
    };

    // Office hours from 6 to 16 hours into the day keep 2 desktops warm; none outside them.
    const opens = berlinHour(start + 6 * HOUR_MS);
    const closes = berlinHour(start + 16 * HOUR_MS);
    await templateWithDisks();
    await pool('sales', {
      size: 4,
      displayName: 'Sales',
      session: { idle: { action: 'None' } },
      capacity: { timeZone: ZONE, schedules: officeHours(opens, closes, 2), offPeakWarm: 0, powerOffDelayMinutes: 30 },
    });
    // The clock moves on only once the desktops are as they should be (see portal-admin-usage).
    const desktopsAre = (held: number, free: number, halted: number) =>
      eventually(async () => {
        const text = await operator.metrics.registry.metrics();
        const labels = { namespace: ns, pool: 'sales' };
        expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-held' }) ?? 0).toBe(held);
        expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-free' }) ?? 0).toBe(free);
        expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'halted' }) ?? 0).toBe(halted);
      }, 60_000);
    await desktopsAre(0, 0, 4);
    at(start + 6 * HOUR_MS);
    await desktopsAre(0, 2, 2);
    at(start + 8 * HOUR_MS);
    await claim('alice', 'alice', 'sales');
    await bound('alice', { ready: true });
    await desktopsAre(1, 2, 1);
    at(start + 11 * HOUR_MS);
    await claim('bob', 'bob', 'sales');
    await bound('bob', { ready: true });
    await desktopsAre(2, 2, 0);
    at(start + 16 * HOUR_MS + 31 * 60_000); // closed, and the power-off delay over
    await desktopsAre(2, 0, 2);
    at(Date.now()); // back to now: the day's hours are written
    await operator.metrics.registry.metrics();

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

    // The schedule in words: off-peak now (the window opens six hours into the day), and when it opens.
    const section = hedy.locator('section.schedule');
    await eventually(async () => {
      await hedy.goto(`${url}/admin#pool/${ns}/sales`);
      await section.waitFor({ timeout: 5000 });
      expect(await section.locator('.phase').textContent()).toBe('Off-peak: 0 desktops kept warm.');
      expect(await hedy.locator('.capacity-chart .chart-hour').count()).toBeGreaterThanOrEqual(23);
    }, 30_000);
    expect(await section.locator('.next-change').textContent()).toMatch(
      new RegExp(`^(At|On \\w+ at) ${opens} ${ZONE} the warm target goes 0 → 2\\.$`),
    );
    const windowRows = await section
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(windowRows[0]).toEqual([
      'office-hours',
      'Every day',
      `${opens}–${closes < opens ? '24:00' : closes}`,
      '2 desktops',
    ]);
    expect(await section.locator('dl').textContent()).toContain('30 minutes before surplus desktops are powered off');

    // The chart: a picture with words, the target solid over the day and dashed ahead, and the
    // hours as counted — the warm pair in office hours, the held ones from alice's claim on.
    const chart = hedy.locator('svg.capacity-chart');
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.locator('desc').textContent()).toMatch(
      new RegExp(
        `^The warm target is 0 now; in the next 24 hours it goes to 2 at ${opens}, to 0 at ${closes.replace(':00', ':30')}\\. Counted by the operator over 2[34] of the last 24 hours;`,
      ),
    );
    expect(await chart.locator('path.chart-target').count()).toBe(2);
    expect(await chart.locator('path.chart-ahead').count()).toBe(1);
    const tooltips = await chart.locator('.chart-hour title').allTextContents();
    expect(tooltips.some((t) => /: 2 desktops free and running, 2 desktops held, 0 desktops halted/.test(t))).toBe(
      true,
    );
    expect(tooltips.some((t) => /: 0 desktops free and running, 0 desktops held, 4 desktops halted/.test(t))).toBe(
      true,
    );
    expect(await axeFindings(hedy)).toEqual([]);
    await section.scrollIntoViewIfNeeded();
    await shoot(hedy, 'admin-pool-schedule-1280.png');
    const phone = await newPage({ width: 390 });
    await signInWithOidc(phone, url, oidc.issuer, person('hedy'));
    await phone.goto(`${url}/admin#pool/${ns}/sales`);
    await phone.locator('svg.capacity-chart').waitFor();
    expect(Number(await phone.locator('svg.capacity-chart').getAttribute('width'))).toBeLessThanOrEqual(390);
    expect(await axeFindings(phone)).toEqual([]);
    await shoot(phone, 'admin-pool-schedule-390.png');

    // Editing: an overlapping window is refused in the API server's words, beside the windows.
    await section.getByRole('link', { name: 'Edit schedule' }).click();
    await hedy.locator('#view h1', { hasText: 'Edit pool sales' }).waitFor();
    // The form opens at the schedule, its first control focused.
    await eventually(async () => expect(await hedy.evaluate('document.activeElement?.id')).toBe('pool-scheduled'));
    expect(await hedy.getByLabel('Follow a schedule').isChecked()).toBe(true);
    await hedy.locator('#window-0-warm').fill('3');
    const status = hedy.locator('.check-status');
    await eventually(
      async () => expect(await status.textContent()).toBe('The API server accepts these values.'),
      20_000,
    );
    await hedy.getByRole('button', { name: 'Add a window' }).click();
    const last = (await hedy.locator('.windows .window').count()) - 1;
    await hedy.locator(`#window-${last}-name`).fill('late');
    await hedy.locator(`#window-${last}-from`).fill(opens);
    await hedy.locator(`#window-${last}-to`).fill(closes < opens ? '24:00' : closes);
    await hedy.locator(`#window-${last}-warm`).fill('1');
    const windowsError = hedy.locator('#pool-windows-error');
    await eventually(
      async () =>
        expect(await windowsError.textContent()).toBe(
          'windows office-hours and late overlap on a day they share: on one day, a window must close at or before the next opens',
        ),
      20_000,
    );
    expect(await hedy.locator('#pool-windows').getAttribute('aria-invalid')).toBe('true');
    expect(await axeFindings(hedy)).toEqual([]);
    await hedy.locator('.schedule-fields').scrollIntoViewIfNeeded();
    await shoot(hedy, 'admin-pool-schedule-edit-1280.png');
    // Submitting it writes nothing.
    await hedy.getByRole('button', { name: 'Save changes' }).click();
    await eventually(async () => expect(await status.textContent()).toMatch(/^The API server refuses/), 20_000);
    expect((await readPool(ns)).spec.capacity.schedules.map((w) => w.warm)).toEqual(
      officeHours(opens, closes, 2).map(() => 2),
    );

    // Without the late window it saves (the test's own applier owns the schedule too: asked once more).
    await hedy.getByRole('button', { name: `Remove window ${last + 1}` }).click();
    // And held desktops nobody uses are powered off 45 minutes after hours.
    await hedy.getByLabel('Held desktops after hours').fill('45');
    await eventually(
      async () => expect(await status.textContent()).toBe('The API server accepts these values.'),
      20_000,
    );
    await hedy.getByRole('button', { name: 'Save changes' }).click();
    await hedy.getByRole('button', { name: 'Save anyway' }).click();
    await hedy.waitForURL(`${url}/admin#pool/${ns}/sales`);
    await eventually(async () => expect((await readPool(ns)).spec.capacity.schedules[0]?.warm).toBe(3), 20_000);
    expect((await readPool(ns)).spec.capacity.rampDown?.idleMinutes).toBe(45);
    await eventually(async () =>
      expect(await section.locator('dl').textContent()).toContain(
        'A held desktop nobody uses is powered off 45 minutes after the windows close or its last use',
      ),
    );

    // mary, a viewer: the schedule yes, no edit; the API server refuses her change all the same.
    await apiServerTrustsIssuer(oidc, person('mary'));
    const mary = await newPage();
    await signInWithOidc(mary, url, oidc.issuer, person('mary'));
    await mary.goto(`${url}/admin#pool/${ns}/sales`);
    await mary.locator('section.schedule .phase').waitFor();
    expect(
      await mary
        .locator('section.schedule')
        .getByRole('link', { name: /schedule/ })
        .count(),
    ).toBe(0);
    const source = (await call(mary, `/api/admin/pools/${ns}/sales/source`)).json as { form: { windows: object[] } };
    const refused = await call(mary, `/api/admin/pools/${ns}`, 'POST', {
      name: 'sales',
      create: false,
      dryRun: true,
      form: { ...source.form, windows: [] },
    });
    expect(refused.status).toBe(403);
    expect(refused.error).toMatch(/cannot patch/);
  }, 300_000); // a day on the operator's clock, a portal and three browser sign-ins, on a shared 2-core machine
});
