// Issue 9, item 7 — the portal: N signed-in users load their desktop list at once. A page load is
// what the User Portal's page does when it is opened: GET / (the page; the portal asks who the
// person is and whether they administer anything), then, as its script starts, GET /api/pools
// ("Desktops available to me") and GET /api/events until its first message, the person's claims
// ("My desktops"). The page's script and stylesheet are immutable and cached by a browser that has
// been there before, so they are not fetched. Timed: p50/p95/p99/max of a page load, and the
// portal's resident memory (its own process, `node dist/cli.js portal`) before, at its highest
// during the loads, and after.
//
// Baseline in the same run: the same Kubernetes API requests the portal makes for one page load,
// in the same order and with the same dependencies (a SelfSubjectRulesReview before the claims it
// names, a claim before its desktop), made directly against the API server with each user's token
// over a kept-alive connection pool, all N users at once: the floor of what the portal does.
// Rounds alternate baseline and portal, so a stall of the shared machine hits both. The API
// server's own apiserver_request_total shows that both make the same requests.

import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { startSimulator } from '../local/simulator/start.js';
import { API_VERSION } from '../src/api/index.js';
import { CSRF_HEADER } from '../src/portal/api-types.js';
import { makeApply } from '../src/runtime/apply.js';
import type { BenchCluster } from './harness/cluster.js';
import { applyTemplate, createNamespace, FIELD_MANAGER, PATHS, TEMPLATE } from './harness/fixtures.js';
import { startOperatorProcess } from './harness/operator.js';
import { holdDesktops, makeUsers, signIn, type User } from './harness/people.js';
import { buildWebBundles, startPortalProcess } from './harness/portal.js';
import { type Distribution, distribution, ratio, round, runConcurrently } from './harness/stats.js';
import { waitUntil } from './harness/wait.js';

const NAMESPACE = 'bench-portal';
const POOL = 'desks';
/** Short, so the desktops some users hold are ready soon; nothing timed waits for a boot. */
const BOOT_DELAY_MS = 500;
/** Sign-ins in flight at once (setup, not timed). */
const SIGN_IN_CONCURRENCY = 16;

export interface PortalResult {
  users: number;
  /** Users who hold a desktop (a Bound claim), so their list is not empty. */
  usersWithDesktop: number;
  rounds: { rawP99: number; portalP99: number }[];
  /** ms of a page load through the portal, all rounds. */
  portal: Distribution;
  /** ms of the same API requests made directly, all rounds. */
  raw: Distribution;
  ratio: { p50: number; p99: number };
  /** Kubernetes API requests per page load (apiserver_request_total, watches left out), by verb and resource. */
  requestsPerPageLoad: { portal: Record<string, number>; raw: Record<string, number> };
  /** The portal's VmRSS: started and everyone signed in; highest during the loads; after the last. */
  residentMiB: { signedIn: number; peak: number; after: number };
  /** The portal's CPU seconds over all its page loads, and per page load (ms). */
  cpuSeconds: number;
  cpuMsPerPageLoad: number;
}

export async function portal(
  cluster: BenchCluster,
  users: number,
  withDesktop: number,
  rounds: number,
  log: (line: string) => void,
): Promise<PortalResult> {
  const admin = cluster.admin;
  await createNamespace(admin, NAMESPACE);
  const bundles = buildWebBundles();
  bundles.catch(() => {}); // awaited below
  const simulator = await startSimulator({
    kubeconfig: cluster.adminKubeconfigFile,
    namespace: NAMESPACE,
    finalizers: false,
    bootDelayMs: BOOT_DELAY_MS,
  });
  const operator = await startOperatorProcess(cluster.operatorKubeconfigFile, NAMESPACE).catch(async (err) => {
    await simulator.stop();
    throw err;
  });
  let portalProcess: Awaited<ReturnType<typeof startPortalProcess>> | undefined;
  try {
    const people = await makeUsers(admin, NAMESPACE, users, withDesktop);
    log(`portal: ${users} users (ServiceAccounts bound to kubevdi:user) with tokens`);
    await applyTemplate(admin, NAMESPACE, true);
    await makeApply(
      admin,
      FIELD_MANAGER,
    )({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name: POOL, namespace: NAMESPACE },
      spec: {
        templateRef: { name: TEMPLATE },
        displayName: 'Desks',
        size: withDesktop + 5,
        prestarted: withDesktop + 5,
        assignment: 'Automatic',
        persistence: 'Stateless',
        access: { users: people.map((u) => u.username) },
      },
    });
    await holdDesktops(
      admin,
      NAMESPACE,
      POOL,
      people.filter((u) => u.holdsDesktop),
    );
    log(`portal: ${withDesktop} of them hold a ready desktop`);

    await bundles;
    portalProcess = await startPortalProcess(cluster.adminKubeconfigFile, NAMESPACE);
    const p = portalProcess;
    await runConcurrently(people.length, SIGN_IN_CONCURRENCY, async (i) => {
      const user = people[i] as User;
      user.cookie = await signIn(p.url, user.token);
    });
    // The operator writes each pool's `use` grant: until then a user is not entitled yet.
    await waitUntil('every user to see the pool', 60_000, async () => {
      const checks = await Promise.all(people.map((u) => loadPage(p.url, u)));
      return checks.every((c) => c.pools === 1);
    });
    const signedIn = await p.residentBytes();
    log(`portal: ${users} users signed in; portal RSS ${(signedIn / 2 ** 20).toFixed(1)} MiB`);

    const raw = rawClient(admin);
    const rawTimes: number[] = [];
    const portalTimes: number[] = [];
    const perRound: PortalResult['rounds'] = [];
    let peak = signedIn;
    let portalCpu = 0;
    const rawRequests: Record<string, number> = {};
    const portalRequests: Record<string, number> = {};
    for (let r = 0; r < rounds; r++) {
      let before = await apiRequests(admin);
      const rawRound = await allAtOnce(people, (u) => raw.pageLoad(u));
      addInto(rawRequests, requestsBetween(before, await apiRequests(admin)));

      before = await apiRequests(admin);
      const cpuBefore = await p.cpuSeconds();
      const sampling = setInterval(() => {
        p.residentBytes().then(
          (b) => {
            peak = Math.max(peak, b);
          },
          () => {},
        );
      }, 50);
      let portalRound: number[];
      try {
        portalRound = await allAtOnce(
          people,
          async (u) => {
            const page = await loadPage(p.url, u, { keepStreamOpen: true });
            const expected = u.holdsDesktop ? 1 : 0;
            if (page.pools !== 1 || page.claims !== expected)
              throw new Error(`${u.username}: ${page.pools} pools and ${page.claims} claims, not 1 and ${expected}`);
            return page;
          },
          heapSnapshot(p.pid),
        );
      } finally {
        clearInterval(sampling);
      }
      peak = Math.max(peak, await p.residentBytes());
      portalCpu += (await p.cpuSeconds()) - cpuBefore;
      addInto(portalRequests, requestsBetween(before, await apiRequests(admin)));

      rawTimes.push(...rawRound);
      portalTimes.push(...portalRound);
      perRound.push({ rawP99: distribution(rawRound).p99, portalP99: distribution(portalRound).p99 });
      log(
        `portal round ${r + 1}: raw ${JSON.stringify(distribution(rawRound))}, portal ${JSON.stringify(distribution(portalRound))}`,
      );
    }
    raw.close();
    // The streams are closed: what the portal keeps once the pages are gone.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await p.residentBytes();
    const loads = users * rounds;
    const portalD = distribution(portalTimes);
    const rawD = distribution(rawTimes);
    const mib = (b: number) => round(b / 2 ** 20, 1);
    return {
      users,
      usersWithDesktop: withDesktop,
      rounds: perRound,
      portal: portalD,
      raw: rawD,
      ratio: { p50: ratio(portalD.p50, rawD.p50), p99: ratio(portalD.p99, rawD.p99) },
      requestsPerPageLoad: { portal: perLoad(portalRequests, loads), raw: perLoad(rawRequests, loads) },
      residentMiB: { signedIn: mib(signedIn), peak: mib(peak), after: mib(after) },
      cpuSeconds: round(portalCpu, 2),
      cpuMsPerPageLoad: round((portalCpu * 1000) / loads, 2),
    };
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nportal log:\n${portalProcess?.logTail() ?? ''}\noperator log:\n${operator.logTail()}`,
    );
  } finally {
    await portalProcess?.stop();
    await operator.stop();
    await simulator.stop();
  }
}

/** Runs `load` for every user at once (released together); returns each one's ms. */
async function allAtOnce(
  people: User[],
  load: (u: User) => Promise<PageLoad | undefined>,
  whileOpen?: () => Promise<void>,
): Promise<number[]> {
  const opened: PageLoad[] = [];
  try {
    const times = await Promise.all(
      people.map(async (u) => {
        const started = performance.now();
        const page = await load(u);
        const ms = performance.now() - started;
        if (page) opened.push(page);
        return ms;
      }),
    );
    await whileOpen?.();
    return times;
  } finally {
    // Every page stayed open (its event stream and the watches behind it) until all had loaded.
    for (const page of opened) page.close();
  }
}

/**
 * BENCH_PORTAL_HEAP_SNAPSHOT=1 with BENCH_PORTAL_NODE_ARGS="--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=/tmp/heap": a heap snapshot of the portal while every page is open.
 */
function heapSnapshot(pid: number): (() => Promise<void>) | undefined {
  if (!process.env.BENCH_PORTAL_HEAP_SNAPSHOT) return undefined;
  return async () => {
    process.kill(pid, 'SIGUSR2');
    // Writing it stops the portal's event loop; a page's next request waits for it.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
  };
}

// --- setup -------------------------------------------------------------------------------------

// --- a page load through the portal ----------------------------------------------------------

interface PageLoad {
  pools: number;
  claims: number;
  close(): void;
}

/** GET /, then GET /api/pools and GET /api/events (until its first message) at once, as the page does. */
async function loadPage(url: string, user: User, { keepStreamOpen = false } = {}): Promise<PageLoad> {
  const headers = { cookie: user.cookie ?? '' };
  const page = await fetch(`${url}/`, { headers: { ...headers, accept: 'text/html' } });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('Signed in as'))
    throw new Error(`GET / answered ${page.status} for ${user.username}`);
  const api = { ...headers, accept: 'application/json', [CSRF_HEADER]: '1' };
  const stop = new AbortController();
  const [pools, claims] = await Promise.all([
    fetch(`${url}/api/pools`, { headers: api }).then(async (r) => {
      if (r.status !== 200) throw new Error(`GET /api/pools answered ${r.status}: ${await r.text()}`);
      return ((await r.json()) as { pools: unknown[] }).pools.length;
    }),
    firstEvent(`${url}/api/events`, { ...headers, accept: 'text/event-stream' }, stop.signal),
  ]);
  if (!keepStreamOpen) stop.abort();
  return { pools, claims, close: () => stop.abort() };
}

/** Reads an event stream until its first `data:` message (the person's claims); the stream stays open. */
async function firstEvent(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
  const response = await fetch(url, { headers, signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET /api/events answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended before its first message');
    text += decoder.decode(value, { stream: true });
    const line = text.split('\n').find((l) => l.startsWith('data: '));
    if (!line) continue;
    const event = JSON.parse(line.slice(6)) as { type: string; claims?: unknown[] };
    if (event.type !== 'claims') throw new Error(`the first event was ${event.type}, not the claims`);
    // Keep reading (and dropping) what follows, as a page does, until the stream is closed.
    void (async () => {
      try {
        while (!(await reader.read()).done) {}
      } catch {}
    })();
    return event.claims?.length ?? 0;
  }
}

// --- the baseline: the same API requests, made directly -----------------------------------------

interface RawClient {
  pageLoad(user: User): Promise<undefined>;
  close(): void;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

/**
 * The requests of one page load, as the portal makes them (user/routes.ts: GET /; pools.ts: GET
 * /api/pools; user/routes.ts and user/claims.ts: the first message of GET /api/events), with the
 * user's bearer token over one pool of kept-alive connections.
 */
function rawClient(admin: KubeConfig): RawClient {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster');
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64')
    : cluster.caFile
      ? readFileSync(cluster.caFile)
      : undefined;
  const agent = new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) });
  const server = new URL(cluster.server);

  const call = <T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = httpsRequest(
        {
          agent,
          host: server.hostname,
          port: server.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text) as T);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const whoami = (t: string) =>
    call(t, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
  const allowed = async (t: string, resourceAttributes: Record<string, string>) =>
    (
      await call<{ status?: { allowed?: boolean } }>(
        t,
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes },
        },
      )
    ).status?.allowed === true;
  const rules = async (t: string, namespace: string) =>
    (
      await call<{ status?: { resourceRules?: Rule[] } }>(
        t,
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectRulesReview',
          spec: { namespace },
        },
      )
    ).status?.resourceRules ?? [];
  type Pool = { metadata: { namespace: string; name: string }; spec: { templateRef: { name: string } } };
  // readable.ts: all namespaces when allowed, else the portal's --namespace.
  const listPools = async (t: string): Promise<Pool[]> => {
    if (await allowed(t, { group: 'kubevdi.io', resource: 'virtualdesktoppools', verb: 'list' }))
      return (await call<{ items: Pool[] }>(t, 'GET', '/apis/kubevdi.io/v1alpha1/virtualdesktoppools')).items;
    return (await call<{ items: Pool[] }>(t, 'GET', PATHS.pools(NAMESPACE))).items;
  };
  const covers = (values: string[] | undefined, wanted: string) => !!values?.some((v) => v === wanted || v === '*');

  return {
    async pageLoad(user) {
      const t = user.token;
      // GET /: who the person is, then what they administer (pools' namespaces, a rules review in each).
      await whoami(t);
      for (const ns of new Set([NAMESPACE, ...(await listPools(t)).map((p) => p.metadata.namespace)]))
        await rules(t, ns);
      await Promise.all([
        // GET /api/pools: the pools they may list, each they may `use`, and its template.
        (async () => {
          const usable: Pool[] = [];
          for (const pool of await listPools(t)) {
            const { namespace, name } = pool.metadata;
            if (
              await allowed(t, { group: 'kubevdi.io', resource: 'virtualdesktoppools', verb: 'use', namespace, name })
            )
              usable.push(pool);
          }
          for (const key of new Set(usable.map((p) => `${p.metadata.namespace}/${p.spec.templateRef.name}`))) {
            const [namespace, name] = key.split('/');
            await call(t, 'GET', `/apis/kubevdi.io/v1alpha1/namespaces/${namespace}/vmtemplates/${name}`);
          }
        })(),
        // GET /api/events, its first message: who, the pools' namespaces, the claims the rules name, their desktops.
        (async () => {
          const { status } = await whoami(t).then((r) => r as { status?: { userInfo?: { username?: string } } });
          const username = status?.userInfo?.username;
          for (const ns of new Set([NAMESPACE, ...(await listPools(t)).map((p) => p.metadata.namespace)])) {
            const names = new Set(
              (await rules(t, ns))
                .filter(
                  (r) =>
                    covers(r.apiGroups, 'kubevdi.io') && covers(r.resources, 'desktopclaims') && covers(r.verbs, 'get'),
                )
                .flatMap((r) => r.resourceNames ?? []),
            );
            await Promise.all(
              [...names].map(async (name) => {
                const claim = await call<{ spec?: { user?: string }; status?: { desktop?: { name?: string } } }>(
                  t,
                  'GET',
                  `${PATHS.claims(ns)}/${name}`,
                );
                if (claim.spec?.user !== username || !claim.status?.desktop?.name) return;
                await call(t, 'GET', `${PATHS.vms(ns)}/${claim.status.desktop.name}`);
              }),
            );
          }
        })(),
      ]);
      return undefined;
    },
    close: () => agent.destroy(),
  };
}

// --- the API server's own count of requests ----------------------------------------------------

/** Resources a page load reads or reviews; everything else (the operator's lease...) is left out. */
const PAGE_RESOURCES = new Set([
  'selfsubjectreviews',
  'selfsubjectaccessreviews',
  'selfsubjectrulesreviews',
  'virtualdesktoppools',
  'vmtemplates',
  'desktopclaims',
  'virtualmachines',
]);

/** apiserver_request_total by `VERB resource` for the page's resources, watches left out. */
async function apiRequests(admin: KubeConfig): Promise<Record<string, number>> {
  const opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = {};
  await admin.applyToHTTPSOptions(opts);
  const server = new URL(admin.getCurrentCluster()?.server ?? '');
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(
      { ...opts, host: server.hostname, port: server.port, path: '/metrics', method: 'GET' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...(m[1] as string).matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (!PAGE_RESOURCES.has(labels.resource ?? '') || labels.verb === 'WATCH') continue;
    const key = `${labels.verb} ${labels.resource}`;
    counts[key] = (counts[key] ?? 0) + Number(m[2]);
  }
  return counts;
}

function requestsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) if (n - (before[key] ?? 0) > 0) diff[key] = n - (before[key] ?? 0);
  return diff;
}

function addInto(into: Record<string, number>, more: Record<string, number>): void {
  for (const [key, n] of Object.entries(more)) into[key] = (into[key] ?? 0) + n;
}

function perLoad(counts: Record<string, number>, loads: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, round(n / loads, 2)]));
}
