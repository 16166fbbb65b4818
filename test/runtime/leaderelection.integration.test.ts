// Leader election against a real kube-apiserver, with short periods (lease 2 s, renew deadline
// 1.5 s, retry 0.3 s): one leader at a time, a clean hand-over on release(), a take-over when the
// leader can no longer renew (its connection is cut) that never overlaps with the old leader, and
// onLost when someone else takes the lease.
import net, { type AddressInfo } from 'node:net';
import { CoordinationV1Api, type KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/runtime/leaderelection.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { kubeconfig, useTestNamespace } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const PERIODS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 };
const LEASE = 'kubevdi-leader';

const namespace = useTestNamespace('leader');
const leases = () => kubeconfig().makeApiClient(CoordinationV1Api);
const readLease = () => leases().readNamespacedLease({ namespace: namespace(), name: LEASE });

let electors: LeaderElector[] = [];
let cleanups: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(electors.map((e) => e.release()));
  for (const cleanup of cleanups) cleanup();
  electors = [];
  cleanups = [];
});

function candidate(identity: string, kc: KubeConfig = kubeconfig()) {
  const metrics = new Metrics();
  const elector = new LeaderElector(kc, { namespace: namespace(), name: LEASE, identity, metrics, ...PERIODS });
  electors.push(elector);
  let lost = 0;
  elector.onLost(() => lost++);
  return {
    elector,
    lost: () => lost,
    gauge: async () => (await metrics.leader.get()).values[0]?.value,
  };
}

/** Resolves to how long `promise` took, in ms. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = performance.now();
  await promise;
  return performance.now() - start;
}

/** Samples both candidates until stopped and remembers whether both ever led at once. */
function watchOverlap(a: LeaderElector, b: LeaderElector): { stop: () => boolean } {
  let overlapped = false;
  const timer = setInterval(() => {
    if (a.isLeader && b.isLeader) overlapped = true;
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return overlapped;
    },
  };
}

/** A TCP proxy to the API server whose connections the test can cut, as a network partition would. */
async function cuttableKubeconfig(): Promise<{ kc: KubeConfig; cut: () => void }> {
  const kc = kubeconfig();
  const target = new URL(kc.getCurrentCluster()?.server ?? '');
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The serving certificate names 127.0.0.1; the port is not part of it.
  kc.clusters = kc.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` }));
  const cut = () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  cleanups.push(cut);
  return { kc, cut };
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead, and writes the lease with microsecond times', async () => {
    const a = candidate('replica-a');
    const b = candidate('replica-b');
    const results: string[] = [];
    // The follower's acquire() is still waiting when the test ends; release() then rejects it.
    const ignoreRelease = () => undefined;
    void a.elector.acquire().then(() => results.push('a'), ignoreRelease);
    void b.elector.acquire().then(() => results.push('b'), ignoreRelease);
    await eventually(() => expect(results).toHaveLength(1));
    // Longer than the lease: the leader renews, so the other must keep waiting.
    await new Promise((resolve) => setTimeout(resolve, PERIODS.leaseDurationMs + 500));
    expect(results).toHaveLength(1);
    const [leader, follower] = results[0] === 'a' ? [a, b] : [b, a];
    expect(leader.elector.isLeader).toBe(true);
    expect(follower.elector.isLeader).toBe(false);
    expect(await leader.gauge()).toBe(1);
    expect(await follower.gauge()).toBe(0);

    const lease = await readLease();
    expect(lease.spec?.holderIdentity).toBe(`replica-${results[0]}`);
    expect(lease.spec?.leaseDurationSeconds).toBe(2);
    expect(lease.spec?.leaseTransitions).toBe(0);
    expect(String(lease.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
  });

  it('hands over within a retry period when the leader releases the lease', async () => {
    const a = candidate('replica-a');
    const b = candidate('replica-b');
    await a.elector.acquire();
    const bLeads = b.elector.acquire();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.elector.isLeader).toBe(false);

    const overlap = watchOverlap(a.elector, b.elector);
    await a.elector.release();
    expect(a.elector.isLeader).toBe(false);
    expect(await a.gauge()).toBe(0);
    const takeover = await timed(bLeads);
    expect(overlap.stop()).toBe(false);
    expect(takeover).toBeLessThan(PERIODS.retryPeriodMs + 300);
    expect(b.elector.isLeader).toBe(true);
    expect(a.lost()).toBe(0); // a release is not a loss

    const lease = await readLease();
    expect(lease.spec?.holderIdentity).toBe('replica-b');
    expect(lease.spec?.leaseDurationSeconds).toBe(2);
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it('when the leader can no longer renew, it steps down and the other takes over after the lease expires', async () => {
    const partitioned = await cuttableKubeconfig();
    const a = candidate('replica-a', partitioned.kc);
    const b = candidate('replica-b');
    await a.elector.acquire();
    const bLeads = b.elector.acquire();
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const overlap = watchOverlap(a.elector, b.elector);
    const aLost = new Promise<number>((resolve) => {
      const cutAt = performance.now();
      a.elector.onLost(() => resolve(performance.now() - cutAt));
      partitioned.cut();
    });
    const cutAt = performance.now();
    await bLeads;
    const takeover = performance.now() - cutAt;
    const stepDown = await aLost;
    expect(overlap.stop()).toBe(false);
    // a keeps retrying until its renew deadline, counted from the start of its last renewal
    // (about one retry period, plus that request's time, before the cut).
    expect(stepDown).toBeLessThanOrEqual(PERIODS.renewDeadlineMs + 100);
    expect(stepDown).toBeGreaterThan(PERIODS.renewDeadlineMs - 2 * PERIODS.retryPeriodMs);
    // b waits out the lease from when it saw a's last renewal, then takes over on its next try.
    expect(takeover).toBeGreaterThan(PERIODS.leaseDurationMs - PERIODS.retryPeriodMs - 100);
    expect(takeover).toBeLessThan(PERIODS.leaseDurationMs + PERIODS.retryPeriodMs + 500);
    expect(takeover).toBeGreaterThan(stepDown);
    expect(a.lost()).toBe(1);
    expect(a.elector.isLeader).toBe(false);
    expect(await a.gauge()).toBe(0);
    expect((await readLease()).spec?.holderIdentity).toBe('replica-b');
  });

  it('takes over a lease left behind by a replica that died, only after the lease duration', async () => {
    const body = {
      metadata: { name: LEASE, namespace: namespace() },
      spec: {
        holderIdentity: 'crashed-replica',
        leaseDurationSeconds: 2,
        acquireTime: new V1MicroTime(),
        renewTime: new V1MicroTime(),
      },
    };
    await leases().createNamespacedLease({ namespace: namespace(), body });
    const b = candidate('replica-b');
    const took = await timed(b.elector.acquire());
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(2_000 + PERIODS.retryPeriodMs + 500);
    expect((await readLease()).spec?.leaseTransitions).toBe(1);
  });

  it('fires onLost once when another holder takes the lease', async () => {
    const a = candidate('replica-a');
    await a.elector.acquire();
    const lease = await readLease();
    if (!lease.spec) throw new Error('the lease has no spec');
    lease.spec.holderIdentity = 'usurper';
    lease.spec.renewTime = new V1MicroTime();
    lease.spec.acquireTime = new V1MicroTime();
    await leases().replaceNamespacedLease({ namespace: namespace(), name: LEASE, body: lease });
    await eventually(() => expect(a.lost()).toBe(1), 2 * PERIODS.retryPeriodMs + 500);
    expect(a.elector.isLeader).toBe(false);
    expect(await a.gauge()).toBe(0);
    // A late subscriber hears of it too, and release() does not touch a lease that is not ours.
    let late = false;
    a.elector.onLost(() => {
      late = true;
    });
    await a.elector.release();
    await eventually(() => expect(late).toBe(true));
    expect((await readLease()).spec?.holderIdentity).toBe('usurper');
    expect(a.lost()).toBe(1);
  });

  it('acquire() rejects when its signal aborts or release() comes first', async () => {
    const a = candidate('replica-a');
    await a.elector.acquire();
    const b = candidate('replica-b');
    await expect(b.elector.acquire(AbortSignal.timeout(400))).rejects.toThrow(/timeout|abort/i);
    expect(b.elector.isLeader).toBe(false);
    const c = candidate('replica-c');
    const cLeads = c.elector.acquire();
    await c.elector.release();
    await expect(cLeads).rejects.toThrow(/released/);
    expect((await readLease()).spec?.holderIdentity).toBe('replica-a');
  });

  it('refuses periods that could let two replicas lead at once', () => {
    const options = { namespace: 'ns', name: LEASE, identity: 'x' };
    expect(
      () => new LeaderElector(kubeconfig(), { ...options, leaseDurationMs: 2_000, renewDeadlineMs: 2_000 }),
    ).toThrow(/leaseDurationMs > renewDeadlineMs/);
    expect(() => new LeaderElector(kubeconfig(), { ...options, renewDeadlineMs: 1_000, retryPeriodMs: 1_000 })).toThrow(
      /renewDeadlineMs > retryPeriodMs/,
    );
  });
});
