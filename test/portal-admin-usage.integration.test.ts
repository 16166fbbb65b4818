// A pool's last day in the Admin Portal, from the operator's own count: the operator (in this
// process, on a clock the test moves through a day) writes each ended hour into the pool's
// status.usage, and the portal — which has no Prometheus — shows the desktop-hours of the 24 hours
// before now, running (held and warm) apart from halted, in the overview and on the pool's page.
// axe-core; screenshots in /tmp/kubevdi-screenshots.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSimulator } from '../local/simulator/start.js';
import { HOUR_MS, hourStart } from '../src/api/pool-usage.js';
import { type RunningOperator, startOperator } from '../src/operator.js';
import { silentLogger } from '../src/runtime/log.js';
import { person, shoot, useAdminPages } from './support/admin-pages.js';
import { axeFindings, signInWithOidc, useChromium } from './support/browser.js';
import { bindClusterRole, kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { sampleValue } from './support/metrics.js';
import { apiServerTrustsIssuer } from './support/oidc-login.js';
import { usePortals } from './support/portal.js';

const namespace = useTestNamespace('admin-usage');
const { templateWithDisks, pool, claim, bound } = useDesktops(namespace);
const chromium = useChromium();
const startPortal = usePortals();
const oidc = inject('cluster').oidc;
const newPage = useAdminPages(chromium);

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('the Admin Portal’s desktop-hours', () => {
  it('shows each pool’s last day as the operator counted it, running apart from halted', async () => {
    const ns = namespace();
    await bindClusterRole(ns, 'kubevdi:pool-admin', 'oidc:vdi-pool-admins');
    const sim = await startSimulator({
      kubeconfig: inject('cluster').adminKubeconfig,
      namespace: ns,
      bootDelayMs: 50,
      stopDelayMs: 20,
      cloneDelayMs: 50,
    });
    stops.push(() => sim.stop());
    // The operator's day begins a minute into the hour 24 hours before this one, and ends now.
    const start = hourStart(Date.now()) - 24 * HOUR_MS + 60_000;
    let offsetMs = start - Date.now();
    const operator: RunningOperator = await startOperator({
      kubeconfig: kubeconfig(),
      log: silentLogger,
      namespace: ns,
      clock: { now: () => new Date(Date.now() + offsetMs) },
    });
    stops.push(() => operator.stop());
    const at = (ms: number) => {
      offsetMs = ms - Date.now();
    };

    // sales: three desktops, one kept warm; alice comes at 8 hours, bob at 17; nobody is idled out.
    // lab: one desktop, never used, halted all day.
    await templateWithDisks();
    const noIdle = { session: { idle: { action: 'None' } } };
    await pool('sales', { size: 3, prestarted: 1, displayName: 'Sales', ...noIdle });
    await pool('lab', { size: 1, prestarted: 0, displayName: 'Lab', ...noIdle });
    // The clock moves on only once the desktops are as they should be: a change seen after a jump
    // is a change at the jumped-to time, and all the time before it is charged to the old state.
    const desktopsAre = (held: number, free: number, halted: number) =>
      eventually(async () => {
        const text = await operator.metrics.registry.metrics();
        const labels = { namespace: ns, pool: 'sales' };
        expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-held' }) ?? 0).toBe(held);
        expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-free' }) ?? 0).toBe(free);
        expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'halted' }) ?? 0).toBe(halted);
      });
    await desktopsAre(0, 1, 2);
    at(start + 8 * HOUR_MS);
    await claim('alice', 'alice', 'sales');
    await bound('alice', { ready: true });
    await desktopsAre(1, 1, 1);
    at(start + 17 * HOUR_MS);
    await claim('bob', 'bob', 'sales');
    await bound('bob', { ready: true });
    await desktopsAre(2, 1, 0);
    at(Date.now()); // back to now: the day's hours are written
    await operator.metrics.registry.metrics();

    await apiServerTrustsIssuer(oidc, person('hedy'));
    const portal = await startPortal({
      namespaces: [ns],
      oidc: { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret, caPem: oidc.caPem },
      sessionSecret: randomBytes(48),
      log: pino({ level: 'warn' }),
    });
    const hedy = await newPage();
    await signInWithOidc(hedy, portal.url, oidc.issuer, person('hedy'));

    // alice 16 hours and bob 7, less the minutes their claims took; one warm desktop all day; the
    // rest halted. Every hour counted but the first, which began a minute late.
    const row = (name: string) => hedy.locator('#view tbody tr', { hasText: name });
    const hours = (name: string) =>
      row(name)
        .locator('td', { hasText: / running/ })
        .textContent();
    await eventually(async () => {
      await hedy.goto(`${portal.url}/admin#overview`);
      await row('Lab').waitFor({ timeout: 3000 });
      expect(await hours('Lab')).toBe('0.0 running24.0 halted');
    }, 30_000);
    const sales = (await hours('Sales')) ?? '';
    const [running, halted] = /^(\d+\.\d) running(\d+\.\d) halted$/.exec(sales)?.slice(1).map(Number) ?? [];
    expect(running).toBeGreaterThanOrEqual(46.8);
    expect(running).toBeLessThanOrEqual(47);
    expect((running ?? 0) + (halted ?? 0)).toBeCloseTo(72, 0);
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-overview-usage-1280.png');

    await row('Sales').getByRole('link', { name: 'Sales' }).click();
    const lastDay = hedy.locator('.last-day');
    await lastDay.waitFor();
    expect(await lastDay.textContent()).toMatch(
      /^4[67]\.\d desktop-hours powered on \(2[23]\.\d held by users, 2[34]\.\d free and warm\) and 2[45]\.\d powered off, in the 24 hours to [^,]+, as the operator counted them\.$/,
    );
    expect(await axeFindings(hedy)).toEqual([]);
    await shoot(hedy, 'admin-pool-usage-1280.png');
  }, 180_000); // a day on the operator's clock, a portal and a browser sign-in, on a shared 2-core machine
});
