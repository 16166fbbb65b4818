// Issue 14 §2, faults besides SIGKILL, on a control plane of this file's own (never the suite's
// shared one, which other tests use while this one freezes its servers):
//   - the API server frozen under load (SIGSTOP, then SIGCONT): the operator recovers without a
//     restart of its own and writes nothing twice (no create answered 409, no writes once idle);
//   - etcd frozen, then compacted at its newest revision: watches resume, relists stay bounded;
//   - KubeVirt's subresource API (the simulator's virt-api) down: nothing is released;
//   - a portal replica SIGKILLed with event streams open: people go on through the other replica
//     with the same session, without signing in again.
// Invariants (test/chaos/invariants.ts) are checked after each fault; `npm run chaos` injects more.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type BenchCluster, startBenchCluster } from '../bench/harness/cluster.js';
import { applyTemplate, createNamespace, TEMPLATE } from '../bench/harness/fixtures.js';
import { percentile } from '../bench/harness/stats.js';
import { startSimulator } from '../local/simulator/start.js';
import { startVirtApi } from '../local/simulator/virt-api/index.js';
import { API_VERSION } from '../src/api/index.js';
import { consoleSocketPath } from '../src/portal/console/protocol.js';
import { makeApply } from '../src/runtime/apply.js';
import { compactEtcd, etcdClientUrl } from './chaos/etcd.js';
import { checkSafety } from './chaos/invariants.js';
import { startPortalProcess } from './chaos/portal-process.js';
import { controlPlaneProcess, freeze } from './chaos/processes.js';
import { campaignSeed, seededRandom } from './chaos/random.js';
import { convergence, Load, sleep } from './chaos/sigkill.js';
import { chaosSize, recordChaosResult } from './chaos/size.js';
import { readNamespaceState } from './chaos/state.js';
import { eventually } from './support/eventually.js';
import { type OperatorProcess, startOperatorProcess } from './support/operator.js';
import { clientWithCookie, signInWithToken } from './support/portal-client.js';
import { rfbOver } from './support/vnc.js';

const size = chaosSize();
const seed = campaignSeed();
const log = (line: string) => process.stderr.write(`[faults seed ${seed}] ${line}\n`);
let cluster: BenchCluster;
const results: Record<string, unknown> = {};

beforeAll(async () => {
  cluster = await startBenchCluster((line) => log(`[own control plane] ${line}`));
}, 300_000);
afterAll(async () => {
  await recordChaosResult('faults', { seed, ...results });
  await cluster?.stop();
});

/** A namespace with the simulator, a template, two pools and an operator (long lease: a frozen server must not cost it). */
async function world(name: string, withSimulator = true, operatorArgs: string[] = []) {
  await createNamespace(cluster.admin, name);
  const sim = withSimulator
    ? await startSimulator({
        kubeconfig: cluster.adminKubeconfigFile,
        namespace: name,
        bootDelayMs: 50,
        stopDelayMs: 20,
        // Consoles are opened and dropped by the handful here: the synthetic picture is enough.
        screens: 'synthetic',
      })
    : undefined;
  const operator = await startOperatorProcess(name, ['--lease-duration', '60s', ...operatorArgs], {
    kubeconfig: cluster.operatorKubeconfigFile,
  });
  await applyTemplate(cluster.admin, name, true);
  const load = new Load(cluster.admin, name, seededRandom(seed), 4);
  await load.createPool('p0', 3);
  await load.createPool('p1', 2);
  return {
    load,
    operator,
    async stop() {
      await operator.kill('SIGTERM').catch(() => undefined);
      await sim?.stop();
    },
  };
}

/**
 * Where the operator's log is kept when a fault left violations (the file is named in the test's
 * output): what it did after the fault is the first thing to read.
 */
async function keepOperatorLog(op: OperatorProcess, fault: string, violations: readonly string[]): Promise<void> {
  if (violations.length === 0) return;
  const file = path.join(tmpdir(), `kubevdi-faults-${seed}-${fault}-operator.log`);
  await writeFile(file, `${op.logs().join('\n')}\n`);
  log(`${fault}: ${violations.length} violations; the operator's log is in ${file}`);
}

/** kubevdi_api_requests_total by verb/code, e.g. {"create/409": 2, "list/200": 9}. */
async function requests(op: OperatorProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^kubevdi_api_requests_total\{verb="([^"]+)",code="([^"]+)"\} (\d+)/gm))
    out[`${m[1]}/${m[2]}`] = Number(m[3]);
  return out;
}
function delta(before: Record<string, number>, after: Record<string, number>, match: (key: string) => boolean) {
  return Object.entries(after)
    .filter(([k]) => match(k))
    .reduce((sum, [k, n]) => sum + n - (before[k] ?? 0), 0);
}
const WRITE = /^(create|update|patch|apply|delete)\//;

/** kubevdi_watch_restarts_total by resource/reason. */
async function watchRestarts(op: OperatorProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
  return Object.fromEntries(
    [...text.matchAll(/^kubevdi_watch_restarts_total\{resource="([^"]+)",reason="([^"]+)"\} (\d+)/gm)].map((m) => [
      `${m[1]}/${m[2]}`,
      Number(m[3]),
    ]),
  );
}

describe('faults besides SIGKILL', () => {
  it(
    'the API server frozen and restarted under load: the operator recovers by itself and writes nothing twice',
    async () => {
      const w = await world('fault-apiserver');
      const random = seededRandom(seed + 1);
      const converge: number[] = [];
      const violations: string[] = [];
      let checks = 0;
      try {
        const first = await convergence(cluster.admin, 'fault-apiserver', w.load, 60_000, 'the start');
        expect(first.violations).toEqual([]);
        const before = await requests(w.operator);
        // Frozen (a stall: SIGSTOP, then SIGCONT) and restarted (SIGKILLed, as a crash, and started
        // again on its port: its watch cache starts anew, so the operator's watches must resume or relist).
        for (let i = 1; i <= (size.large ? 10 : 2); i++) {
          const kind = i % 2 === 1 ? 'freeze' : 'restart';
          const running = w.load.run();
          await sleep(random.int(200, 1500));
          if (kind === 'freeze') {
            const apiserver = await controlPlaneProcess(cluster.controlPlane.workDir, 'kube-apiserver');
            await freeze(apiserver.pid, random.int(3000, size.large ? 8000 : 5000));
          } else await cluster.controlPlane.restart('kube-apiserver', 'SIGKILL');
          await w.load.stop(running);
          const verdict = await convergence(
            cluster.admin,
            'fault-apiserver',
            w.load,
            60_000,
            `API server ${kind} ${i}`,
          );
          checks += verdict.checks;
          violations.push(...verdict.violations);
          converge.push(verdict.ms);
          expect(w.operator.child.exitCode, 'the operator ended by itself').toBeNull();
          log(`API server ${kind} ${i}: converged in ${verdict.ms} ms`);
        }
        const after = await requests(w.operator);
        // Once converged the operator goes quiet: windows of 5 s until one has no write (at most 30 s).
        let idleWrites = -1;
        const quietFrom = Date.now();
        while (idleWrites !== 0 && Date.now() - quietFrom < 30_000) {
          const quietBefore = await requests(w.operator);
          await sleep(5000);
          idleWrites = delta(quietBefore, await requests(w.operator), (k) => WRITE.test(k));
        }
        results.apiServer = {
          faults: converge.length,
          invariantChecks: checks,
          violations,
          convergeMs: { median: percentile(converge, 50), max: Math.max(...converge) },
          operatorRestarts: 0,
          createConflicts: delta(before, after, (k) => k === 'create/409'),
          writesDuringFaults: delta(before, after, (k) => WRITE.test(k)),
          idleWritesAfter: idleWrites,
          quietAfterMs: Date.now() - quietFrom,
          lists: delta(before, after, (k) => k.startsWith('list/')),
          watchRestarts: await watchRestarts(w.operator),
          load: w.load.counts,
        };
        log(`API server: ${JSON.stringify(results.apiServer)}`);
        await keepOperatorLog(w.operator, 'apiserver', violations);
        expect(violations).toEqual([]);
        expect(delta(before, after, (k) => k === 'create/409')).toBe(0);
        expect(idleWrites).toBe(0);
      } finally {
        await w.stop();
      }
    },
    size.timeoutMs,
  );

  it(
    'etcd frozen, restarted and compacted: watches resume, relists are bounded',
    async () => {
      const w = await world('fault-etcd');
      const random = seededRandom(seed + 2);
      const converge: number[] = [];
      const violations: string[] = [];
      let checks = 0;
      try {
        expect((await convergence(cluster.admin, 'fault-etcd', w.load, 60_000, 'the start')).violations).toEqual([]);
        const url = etcdClientUrl((await controlPlaneProcess(cluster.controlPlane.workDir, 'etcd')).args);
        const before = await requests(w.operator);
        const faults = size.large ? 10 : 2;
        for (let i = 1; i <= faults; i++) {
          const kind = i % 2 === 1 ? 'freeze' : 'restart';
          const running = w.load.run();
          await sleep(random.int(200, 1500));
          if (kind === 'freeze') {
            const etcd = await controlPlaneProcess(cluster.controlPlane.workDir, 'etcd');
            await freeze(etcd.pid, random.int(2000, size.large ? 5000 : 3000));
          } else await cluster.controlPlane.restart('etcd', 'SIGKILL');
          const revision = await compactEtcd(url);
          await sleep(random.int(200, 1000));
          await w.load.stop(running);
          const verdict = await convergence(
            cluster.admin,
            'fault-etcd',
            w.load,
            60_000,
            `etcd ${kind} + compaction ${i}`,
          );
          checks += verdict.checks;
          violations.push(...verdict.violations);
          converge.push(verdict.ms);
          log(`etcd ${kind} + compaction at revision ${revision} (${i}): converged in ${verdict.ms} ms`);
        }
        // A change after the last compaction is still seen: the watches are alive.
        const probe = await convergence(cluster.admin, 'fault-etcd', w.load, 60_000, 'the last compaction');
        violations.push(...probe.violations);
        const after = await requests(w.operator);
        const lists = delta(before, after, (k) => k.startsWith('list/'));
        results.etcd = {
          faults,
          invariantChecks: checks,
          violations,
          convergeMs: { median: percentile(converge, 50), max: Math.max(...converge) },
          lists,
          watchRestarts: await watchRestarts(w.operator),
          load: w.load.counts,
        };
        log(`etcd: ${JSON.stringify(results.etcd)}`);
        await keepOperatorLog(w.operator, 'etcd', violations);
        expect(violations).toEqual([]);
        // Bounded: at most a relist per watched kind (a dozen) per fault, not one per event.
        expect(lists).toBeLessThanOrEqual(faults * 12 + 12);
        expect(w.operator.child.exitCode).toBeNull();
      } finally {
        await w.stop();
      }
    },
    size.timeoutMs,
  );

  it(
    'KubeVirt’s subresource API down: bound claims stay bound and nothing is released',
    async () => {
      const virtApi = await startVirtApi({
        kubeconfig: cluster.admin,
        frontProxyCaFile: cluster.controlPlane.frontProxy.caFile,
      });
      // Who is logged on is asked every second, so the missing API is met within the window.
      const w = await world('fault-virtapi', true, ['--session-poll-interval', '1s']);
      try {
        for (let i = 0; i < 3; i++) await w.load.createClaim('p0');
        expect((await convergence(cluster.admin, 'fault-virtapi', w.load, 60_000, 'the start')).violations).toEqual([]);
        // Its pods gone, its APIService left: the API server answers 503 for the whole group.
        await virtApi.crash();
        const began = Date.now();
        await w.load.createClaim('p1');
        // Watch for a while (the session poll runs against the missing API): nothing may be released.
        let checks = 0;
        const violations: string[] = [];
        const conditions = new Set<string>();
        while (Date.now() - began < (size.large ? 60_000 : 12_000)) {
          const state = await readNamespaceState(cluster.admin, 'fault-virtapi');
          const verdict = checkSafety(state);
          checks += verdict.checks;
          violations.push(...verdict.violations);
          for (const c of state.claims)
            if (c.phase === 'Released') violations.push(`claim ${c.meta.name} was released`);
          const claims = (await cluster.admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
            group: 'kubevdi.io',
            version: 'v1alpha1',
            plural: 'desktopclaims',
            namespace: 'fault-virtapi',
          })) as {
            items: { status?: { conditions?: { type: string; status: string; reason: string }[] } }[];
          };
          for (const c of claims.items)
            for (const cond of c.status?.conditions ?? []) conditions.add(`${cond.type}=${cond.status}/${cond.reason}`);
          await sleep(1000);
        }
        const final = await convergence(cluster.admin, 'fault-virtapi', w.load, 60_000, 'virt-api down');
        checks += final.checks;
        violations.push(...final.violations);
        const saysSo = [...conditions].filter((c) => /KubeVirt|Subresource|Unavailable|GuestAgent|Session/i.test(c));
        results.virtApi = {
          faults: 1,
          invariantChecks: checks,
          violations,
          claimConditionsSeen: [...conditions].sort(),
          conditionSayingSo: saysSo,
          // What the operator met meanwhile: its reads of the guest agent's userlist, refused.
          userlistErrorsLogged: w.operator.logs().filter((l) => /userlist/.test(l) && /error|503|unavailable/i.test(l))
            .length,
        };
        log(`virt-api down: ${JSON.stringify(results.virtApi)}`);
        expect(violations).toEqual([]);
      } finally {
        await w.stop();
        await virtApi.stop();
      }
    },
    size.timeoutMs,
  );

  // Found by this campaign (virt-api-down-silent, docs/CHAOS.md), fixed on main since.
  it('while KubeVirt’s subresource API is down, a claim has a condition that says so', () => {
    const seen = (results.virtApi as { conditionSayingSo?: string[] } | undefined)?.conditionSayingSo;
    // The test above did not get that far: return, so that this one fails too (it must fail only on the finding).
    if (seen === undefined) return;
    expect(seen).not.toEqual([]);
  });

  it(
    'a portal replica SIGKILLed with consoles and event streams open: people go on through the other one, still signed in',
    async () => {
      const ns = 'fault-portal';
      // The operator and the simulator, for desktops whose consoles are open through the replica.
      const w = await world(ns);
      const virtApi = await startVirtApi({
        kubeconfig: cluster.admin,
        frontProxyCaFile: cluster.controlPlane.frontProxy.caFile,
      });
      const core = cluster.admin.makeApiClient(CoreV1Api);
      const people = size.large ? 20 : 5;
      const secret = randomBytes(48).toString('base64');
      const replicas = [
        await startPortalProcess({ kubeconfigFile: cluster.adminKubeconfigFile, namespace: ns, sessionSecret: secret }),
        await startPortalProcess({ kubeconfigFile: cluster.adminKubeconfigFile, namespace: ns, sessionSecret: secret }),
      ];
      const reconnectMs: number[] = [];
      try {
        const sessions = [];
        for (let i = 0; i < people; i++) {
          await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: `person-${i}` } } });
          const token = await core.createNamespacedServiceAccountToken({
            namespace: ns,
            name: `person-${i}`,
            body: { spec: { audiences: [], expirationSeconds: 3600 } },
          });
          sessions.push(await signInWithToken((replicas[0] as { url: string }).url, token.status?.token as string));
        }
        // The first two people get a desktop each and open its console through the first replica.
        const withConsoles = sessions.slice(0, 2);
        const accounts = withConsoles.map((_, i) => `system:serviceaccount:${ns}:person-${i}`);
        const apply = makeApply(cluster.admin, 'kubevdi-chaos');
        await apply({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'kubevdi-users', namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
          subjects: accounts.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
        });
        await apply({
          apiVersion: API_VERSION,
          kind: 'VirtualDesktopPool',
          metadata: { name: 'desks', namespace: ns },
          spec: { templateRef: { name: TEMPLATE }, size: 2, prestarted: 2, access: { users: accounts } },
        });
        const desktops = await Promise.all(
          withConsoles.map(async (s) => {
            await eventually(async () =>
              expect((await s.api('/api/claims', 'POST', { namespace: ns, pool: 'desks' })).status).toBe(201),
            );
            return eventually(async () => {
              const { claims } = JSON.parse((await s.api('/api/claims')).text) as {
                claims: { desktop?: { name: string; ready: boolean } }[];
              };
              expect(claims[0]?.desktop?.ready).toBe(true);
              return claims[0]?.desktop?.name as string;
            }, 60_000);
          }),
        );
        const consoleOf = (base: string, cookie: string, desktop: string) =>
          rfbOver(
            new WebSocket(`${base.replace(/^http/, 'ws')}${consoleSocketPath(ns, desktop)}`, {
              headers: { origin: base, cookie },
            }),
          );
        const consoles = await Promise.all(
          withConsoles.map((s, i) => eventually(() => consoleOf(s.base, s.cookie, desktops[i] as string), 30_000)),
        );
        // Each person has the live-update stream open on the first replica.
        const streams = await Promise.all(
          sessions.map(async (s) => {
            const controller = new AbortController();
            const response = await fetch(`${s.base}/api/events`, {
              headers: { cookie: s.cookie },
              signal: controller.signal,
            });
            const reader = (response.body as ReadableStream<Uint8Array>).getReader();
            const first = await reader.read();
            expect(new TextDecoder().decode(first.value)).toContain('"type":"claims"');
            return { reader, controller };
          }),
        );
        await (replicas[0] as { kill(): Promise<string> }).kill();
        // Every stream ends; each person reconnects to the other replica with the same cookie.
        await Promise.all(
          streams.map(async ({ reader }) => {
            for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) break;
          }),
        );
        const other = (replicas[1] as { url: string }).url;
        // Every console ended with the replica; each opens again through the other one.
        await Promise.all(consoles.map((c) => c.closed));
        const consoleMs: number[] = [];
        await Promise.all(
          withConsoles.map(async (s, i) => {
            const began = Date.now();
            const again = await eventually(() => consoleOf(other, s.cookie, desktops[i] as string), 30_000);
            expect(again.name).toBe(`${ns}/${desktops[i]}`);
            consoleMs.push(Date.now() - began);
            again.close();
          }),
        );
        for (const s of sessions) {
          const began = Date.now();
          const again = clientWithCookie(other, s.cookie);
          const me = await eventually(async () => {
            const answer = await again.api('/api/me');
            if (answer.status !== 200) throw new Error(`/api/me answered ${answer.status}`);
            return answer;
          });
          expect(me.text).toContain('system:serviceaccount:fault-portal:person-');
          const response = await fetch(`${other}/api/events`, {
            headers: { cookie: s.cookie },
            signal: AbortSignal.timeout(30_000),
          });
          const reader = (response.body as ReadableStream<Uint8Array>).getReader();
          expect(new TextDecoder().decode((await reader.read()).value)).toContain('"type":"claims"');
          await reader.cancel();
          reconnectMs.push(Date.now() - began);
        }
        results.portal = {
          faults: 1,
          people,
          streamsOpen: streams.length,
          consolesOpen: consoles.length,
          consolesReopened: consoleMs.length,
          consoleReopenMs: { median: percentile(consoleMs, 50), max: Math.max(...consoleMs) },
          reconnected: reconnectMs.length,
          signedInAgain: 0,
          reconnectMs: { median: percentile(reconnectMs, 50), max: Math.max(...reconnectMs) },
        };
        log(`portal replica killed: ${JSON.stringify(results.portal)}`);
        expect(reconnectMs.length).toBe(people);
        expect(consoleMs.length).toBe(withConsoles.length);
      } finally {
        for (const r of replicas) await r.kill();
        await w.stop();
        await virtApi.stop();
      }
    },
    size.timeoutMs,
  );
});
