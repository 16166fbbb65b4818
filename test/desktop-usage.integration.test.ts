// What desktops cost, end to end on the real API server with the KubeVirt simulator: the operator's
// desktop-seconds grow for the state each desktop is really in (held and running, free and running,
// halted), by exactly the time between two scrapes; the gauges of people waiting, warm target,
// conditions, time to a desktop and failed claims follow; and each pool's status.usage holds its
// hours — a whole hour in one state is 3600 desktop-seconds — on a clock the test moves.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSimulator } from '../local/simulator/start.js';
import { HOUR_MS, type HourUsage, hourStart } from '../src/api/pool-usage.js';
import { POOLS, type VirtualDesktopPool } from '../src/api/virtualdesktoppool.js';
import { type RunningOperator, startOperator } from '../src/operator.js';
import { silentLogger } from '../src/runtime/log.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { sampleValue } from './support/metrics.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('usage');
const world = useWorld(namespace);
const { templateWithDisks, pool, claim, bound, readClaim } = useDesktops(namespace);
/** Nobody logs on in these tests: the idle policy must not take desktops back while the clock moves. */
const noIdle = { session: { idle: { action: 'None' } } };

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('desktop-seconds', () => {
  it('grow for the state each desktop is in, by the time between two scrapes, and the gauges follow', async () => {
    const operator = await world.start();
    const scrape = async () => {
      const before = Date.now();
      const text = await (await fetch(`${operator.healthUrl}/metrics`)).text();
      return { text, before, after: Date.now() };
    };
    const seconds = (text: string, poolName: string, state: string) =>
      sampleValue(text, 'kubevdi_desktop_seconds_total', { namespace: namespace(), pool: poolName, state }) ?? 0;
    const desktops = (text: string, poolName: string, state: string) =>
      sampleValue(text, 'kubevdi_desktops', { namespace: namespace(), pool: poolName, state }) ?? 0;

    await templateWithDisks();
    // sales: alice holds one, one is kept warm, one is halted. full: bob holds its only desktop and carol waits.
    await pool('sales', { size: 3, prestarted: 1, ...noIdle });
    await pool('full', { size: 1, prestarted: 1, ...noIdle });
    await claim('alice', 'alice', 'sales');
    await bound('alice', { ready: true });
    await claim('bob', 'bob', 'full');
    await bound('bob', { ready: true });
    await claim('carol', 'carol', 'full');
    // alice's second claim is over maxDesktopsPerUser (1): Failed for good.
    await claim('alice-again', 'alice', 'sales');
    await eventually(async () => expect((await readClaim('alice-again')).status?.phase).toBe('Failed'));

    await eventually(async () => {
      const { text } = await scrape();
      expect(desktops(text, 'sales', 'running-held')).toBe(1);
      expect(desktops(text, 'sales', 'running-free')).toBe(1);
      expect(desktops(text, 'sales', 'halted')).toBe(1);
      expect(desktops(text, 'full', 'running-held')).toBe(1);
      expect(desktops(text, 'full', 'running-free')).toBe(0);
    });

    // Nothing changes between two scrapes: each counter grows by its desktops × the time between
    // the moments of the two scrapes, which lie within the requests' own spans.
    const first = await scrape();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await scrape();
    const least = (second.before - first.after) / 1000;
    const most = (second.after - first.before) / 1000;
    for (const [poolName, state, n] of [
      ['sales', 'running-held', 1],
      ['sales', 'running-free', 1],
      ['sales', 'halted', 1],
      ['full', 'running-held', 1],
    ] as const) {
      const grew = seconds(second.text, poolName, state) - seconds(first.text, poolName, state);
      expect(grew, `${poolName} ${state}`).toBeGreaterThanOrEqual(n * least - 0.001);
      expect(grew, `${poolName} ${state}`).toBeLessThanOrEqual(n * most + 0.001);
    }
    // No time for a state no desktop is in (its series exists: it started at 0).
    expect(seconds(second.text, 'full', 'halted')).toBe(seconds(first.text, 'full', 'halted'));

    const labels = (poolName: string) => ({ namespace: namespace(), pool: poolName });
    const text = second.text;
    expect(sampleValue(text, 'kubevdi_claims', { ...labels('full'), phase: 'Pending', reason: 'PoolExhausted' })).toBe(
      1,
    );
    expect(sampleValue(text, 'kubevdi_claims', { ...labels('sales'), phase: 'Bound', reason: 'DesktopBound' })).toBe(1);
    expect(
      sampleValue(text, 'kubevdi_claims', { ...labels('sales'), phase: 'Failed', reason: 'UserLimitReached' }),
    ).toBe(1);
    expect(sampleValue(text, 'kubevdi_claims_failed_total', { ...labels('sales'), reason: 'UserLimitReached' })).toBe(
      1,
    );
    expect(sampleValue(text, 'kubevdi_claims_failed_total', { ...labels('sales'), reason: 'PoolDeleted' })).toBe(0);
    // alice and bob each waited for a desktop once, and not for long.
    expect(sampleValue(text, 'kubevdi_claim_ready_duration_seconds_count', labels('sales'))).toBe(1);
    expect(sampleValue(text, 'kubevdi_claim_ready_duration_seconds_count', labels('full'))).toBe(1);
    expect(sampleValue(text, 'kubevdi_claim_ready_duration_seconds_sum', labels('sales'))).toBeLessThan(30);
    expect(sampleValue(text, 'kubevdi_pool_warm_target', labels('sales'))).toBe(1);
    const condition = (poolName: string, type: string, status: string) =>
      sampleValue(text, 'kubevdi_pool_status_condition', { ...labels(poolName), condition: type, status });
    expect(condition('full', 'Available', 'false')).toBe(1);
    expect(condition('full', 'Available', 'true')).toBe(0);
    expect(condition('sales', 'Degraded', 'false')).toBe(1);
    expect(sampleValue(text, 'kubevdi_leader')).toBe(1);
  }, 120_000); // two pools and four claims through a real operator process, on a shared 2-core machine
});

describe("a pool's last day in its status", () => {
  it('holds each ended hour by state — a whole hour is 3600 s a desktop — and the current one when the leader stops', async () => {
    const ns = namespace();
    const sim = await startSimulator({
      kubeconfig: inject('cluster').adminKubeconfig,
      namespace: ns,
      bootDelayMs: 50,
      stopDelayMs: 20,
      cloneDelayMs: 50,
    });
    stops.push(() => sim.stop());
    // The operator's clock starts a minute into an hour, so the test never straddles one by chance.
    let offsetMs = hourStart(Date.now()) + HOUR_MS + 60_000 - Date.now();
    const clock = { now: () => new Date(Date.now() + offsetMs) };
    let running: RunningOperator | undefined = await startOperator({
      kubeconfig: kubeconfig(),
      log: silentLogger,
      namespace: ns,
      clock,
    });
    stops.push(async () => running?.stop());
    const operator = running;
    /** A scrape: the operator charges the time up to now and notices an hour that has ended. */
    const scrape = () => operator.metrics.registry.metrics();
    const hours = async (): Promise<HourUsage[]> => {
      const p = (await kubeconfig()
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...POOLS, namespace: ns, name: 'sales' })) as VirtualDesktopPool;
      return p.status?.usage?.hours ?? [];
    };
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

    await templateWithDisks();
    const applied = clock.now().getTime();
    await pool('sales', { size: 2, prestarted: 1, ...noIdle });
    await eventually(async () => {
      const text = await scrape();
      const labels = { namespace: ns, pool: 'sales' };
      expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-free' })).toBe(1);
      expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'halted' })).toBe(1);
    });
    const settled = clock.now().getTime();

    // Half past the next hour: this hour has ended, and is written.
    const h0 = hourStart(settled);
    offsetMs += h0 + HOUR_MS + HOUR_MS / 2 - clock.now().getTime();
    await scrape();
    const first = await eventually(async () => {
      const [hour] = (await hours()).filter((h) => h.start === iso(h0));
      expect(hour).toBeDefined();
      return hour as HourUsage;
    });
    // The warm desktop ran, the other stayed halted, from some moment between the pool's apply and
    // the gauge showing them, to the hour's end (whole seconds; creation took no more than that).
    const end = h0 + HOUR_MS;
    for (const state of ['runningFree', 'halted'] as const) {
      expect(first[state], state).toBeGreaterThanOrEqual(Math.floor((end - settled) / 1000) - 1);
      expect(first[state], state).toBeLessThanOrEqual(Math.ceil((end - applied) / 1000) + 1);
    }
    expect(first.runningHeld).toBe(0);

    // alice takes the warm desktop half an hour into the next hour (the pool warms the other);
    // another hour on, that hour is written: two desktops all hour long, 7200 desktop-seconds.
    await claim('alice', 'alice', 'sales');
    await bound('alice', { ready: true });
    // Once the pool has warmed the other (a change seen after a jump is a change at the jumped-to time).
    await eventually(async () => {
      const text = await scrape();
      const labels = { namespace: ns, pool: 'sales' };
      expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-held' })).toBe(1);
      expect(sampleValue(text, 'kubevdi_desktops', { ...labels, state: 'running-free' })).toBe(1);
    });
    const h1 = h0 + HOUR_MS;
    offsetMs += HOUR_MS;
    await scrape();
    const second = await eventually(async () => {
      const [hour] = (await hours()).filter((h) => h.start === iso(h1));
      expect(hour).toBeDefined();
      return hour as HourUsage;
    });
    expect(second.runningHeld + second.runningFree + second.halted).toBeGreaterThanOrEqual(7199);
    expect(second.runningHeld + second.runningFree + second.halted).toBeLessThanOrEqual(7201);
    expect(second.runningHeld).toBeGreaterThan(0);
    expect(second.runningHeld).toBeLessThanOrEqual(1800);

    // A whole hour with nothing changing: exactly 3600 s held, 3600 s warm.
    const h2 = h1 + HOUR_MS;
    offsetMs += HOUR_MS;
    await scrape();
    const third = await eventually(async () => {
      const [hour] = (await hours()).filter((h) => h.start === iso(h2));
      expect(hour).toBeDefined();
      return hour as HourUsage;
    });
    expect(third).toEqual({ start: iso(h2), runningHeld: 3600, runningFree: 3600, halted: 0 });

    // The leader stops (a rolling update): the hour so far is written too, for the next one to add to.
    await running.stop();
    running = undefined;
    const h3 = h2 + HOUR_MS;
    const all = await hours();
    expect(all.map((h) => h.start)).toEqual([iso(h0), iso(h1), iso(h2), iso(h3)]);
    const current = all.at(-1) as HourUsage;
    expect(current.runningHeld).toBeGreaterThanOrEqual(1799);
    expect(current.runningHeld).toBeLessThanOrEqual(1800 + 60);
    expect(current.runningFree).toBe(current.runningHeld);
  }, 120_000);
});
