// `npm run bench`: the benchmark suite (issue 9), separate from `npm test`. Starts its own control
// plane, runs the benchmarks in order, writes bench/results/<timestamp>.json and latest.json, and
// regenerates BENCHMARKS.md.
//
//   npm run bench                      full sizes (1000 desktops, 100 warm / 50 claims, 60 s idle, 200
//                                      portal users, the remote desktop in Chromium (3 rounds, up to 8
//                                      sessions), growth to 5000 desktops in 50 pools, 5 minutes idle,
//                                      then growth to 10000, the Monday morning of 1000 people three
//                                      times, draining a node of 200 desktops (50 held) twice:
//                                      45-50 minutes on 2 cores)
//   npm run bench -- --quick           small sizes (what CI runs, to keep the code working)
//   npm run bench -- --only provisioning,idle --note "machine shared with other tests"
//   npm run bench -- --quick --out /tmp/bench   results and BENCHMARKS.md there, not in the repo
//   npm run bench -- --only provisioning --set desktops=300   one size changed
//   npm run bench -- --only remote --merge   one benchmark again: its figures replace its own in
//                                      latest.json, the others' stay (the report names each run)
//   npm run bench -- --report-only     BENCHMARKS.md again from latest.json (after editing report.ts)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../src/paths.js';
import { claims } from './claims.js';
import { drain } from './drain.js';
import { failover } from './failover.js';
import { growth } from './growth.js';
import { type BenchCluster, startBenchCluster } from './harness/cluster.js';
import { machine } from './harness/machine.js';
import { renderReport } from './harness/report.js';
import { mergeResults, type RunResults, type Sizes, writeResults } from './harness/results.js';
import { idle } from './idle.js';
import { monday, STRATEGIES, type Strategy } from './monday.js';
import { portal } from './portal.js';
import { type Provisioned, provisioning } from './provisioning.js';
import { remoteDesktop } from './remote-desktop.js';
import { supply } from './supply.js';

const FULL: Sizes = {
  desktops: 1000,
  warmDesktops: 100,
  claims: 50,
  claimRounds: 3,
  idleSeconds: 60,
  coldClaims: 5,
  refillSize: 200,
  refillPrestarted: 50,
  bootDelayMs: 5000,
  growthPools: 50,
  growthSteps: [1000, 2500, 5000, 10000],
  growthIdleSeconds: 300,
  // The idle case: 5000 desktops in 50 pools; growth goes on to 10000 after it.
  growthIdleAt: 5000,
  leaseDurations: [15, 10],
  portalUsers: 200,
  portalUsersWithDesktop: 20,
  portalRounds: 3,
  remoteRounds: 3,
  remoteSeconds: 10,
  remoteKeyPresses: 12,
  remoteSessions: [1, 2, 4, 8],
  // The logon storm: 1000 people, 10 simulated seconds a real second through it (a 6 s boot is a
  // one-minute boot of the simulated morning); about 7 minutes a run, three runs.
  mondayPeople: 1000,
  mondayStormSpeed: 10,
  mondayQuietSpeed: 3600,
  mondayBootDelayMs: 6000,
  // Draining a node of 200 desktops, 50 held (issue 18), a quarter migratable, twice: a few minutes.
  drainDesktops: 200,
  drainHeld: 50,
  drainMigratablePercent: 25,
  drainNodes: 3,
  drainBootDelayMs: 5000,
};
const QUICK: Sizes = {
  desktops: 50,
  warmDesktops: 20,
  claims: 10,
  claimRounds: 1,
  idleSeconds: 10,
  coldClaims: 2,
  refillSize: 20,
  refillPrestarted: 5,
  bootDelayMs: 1000,
  growthPools: 5,
  growthSteps: [25, 50],
  growthIdleSeconds: 0,
  growthIdleAt: 50,
  leaseDurations: [4],
  portalUsers: 10,
  portalUsersWithDesktop: 3,
  portalRounds: 1,
  remoteRounds: 1,
  remoteSeconds: 2,
  remoteKeyPresses: 2,
  remoteSessions: [1],
  mondayPeople: 30,
  mondayStormSpeed: 240,
  mondayQuietSpeed: 14400,
  mondayBootDelayMs: 250,
  drainDesktops: 12,
  drainHeld: 4,
  drainMigratablePercent: 25,
  drainNodes: 3,
  drainBootDelayMs: 250,
};
export const BENCHMARKS = [
  'provisioning',
  'idle',
  'claims',
  'supply',
  'failover',
  'portal',
  'remote',
  'growth',
  'monday',
  'drain',
] as const;
type Name = (typeof BENCHMARKS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    note: { type: 'string', multiple: true, default: [] },
    set: { type: 'string', multiple: true, default: [] },
    'report-only': { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    // `--only monday --strategies schedule`: one of the Monday's pools, for profiling it.
    strategies: { type: 'string' },
  },
});
const selected = new Set<Name>(
  values.only
    ? values.only.split(',').map((s) => {
        if (!(BENCHMARKS as readonly string[]).includes(s)) throw new Error(`unknown benchmark ${s} (${BENCHMARKS})`);
        return s as Name;
      })
    : BENCHMARKS,
);
// Idle measures the pool provisioning left behind.
if (selected.has('idle')) selected.add('provisioning');
// `--set desktops=300 --set growthSteps=1000,2000`: one size changed, for profiling one benchmark.
const sizes: Sizes = { ...(values.quick ? QUICK : FULL) };
for (const assignment of values.set) {
  const [key, value = ''] = assignment.split('=');
  if (!key || !(key in sizes)) throw new Error(`--set ${assignment}: no size ${key} (${Object.keys(sizes)})`);
  const numbers = value.split(',').map(Number);
  (sizes as unknown as Record<string, number | number[]>)[key] = Array.isArray(sizes[key as keyof Sizes])
    ? numbers
    : (numbers[0] as number);
}
function mondayStrategies(list: string): Strategy[] {
  return list.split(',').map((s) => {
    if (!(STRATEGIES as readonly string[]).includes(s)) throw new Error(`unknown Monday pool ${s} (${STRATEGIES})`);
    return s as Strategy;
  });
}
const resultsDir = values.out ? path.resolve(values.out) : path.join(REPO_ROOT, 'bench/results');
const reportFile = values.out ? path.join(resultsDir, 'BENCHMARKS.md') : path.join(REPO_ROOT, 'BENCHMARKS.md');
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

if (values['report-only']) {
  const latest = JSON.parse(await readFile(path.join(resultsDir, 'latest.json'), 'utf8')) as RunResults;
  await writeFile(reportFile, renderReport(latest, path.relative(path.dirname(reportFile), resultsDir) || '.'));
  log(`report in ${reportFile}, from ${path.join(resultsDir, 'latest.json')}`);
  process.exit(0);
}

const startedAt = new Date().toISOString();
const loadAtStart = loadavg()[0] ?? 0;
const began = performance.now();
const failures: Record<string, string> = {};
const benchmarks: RunResults['benchmarks'] = {};
let cluster: BenchCluster | undefined;
let provisioned: Provisioned | undefined;

/** Runs one benchmark; a failure is recorded and the others still run. */
async function run<T>(name: Name, body: () => Promise<T>): Promise<T | undefined> {
  if (!selected.has(name)) return undefined;
  log(`${name}: starting`);
  try {
    return await body();
  } catch (err) {
    failures[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`${name} failed: ${failures[name]}`);
    return undefined;
  }
}

try {
  cluster = await startBenchCluster((line) => log(`control plane: ${line}`));
  const c = cluster;
  const p = await run('provisioning', () => provisioning(c, sizes.desktops, log));
  if (p) {
    benchmarks.provisioning = p.result;
    provisioned = p.provisioned;
  }
  benchmarks.idle = await run('idle', async () => {
    if (!provisioned) throw new Error('provisioning failed, so there is nothing to be idle with');
    return idle(c, provisioned, sizes.desktops, sizes.idleSeconds, log);
  });
  await provisioned?.stop();
  provisioned = undefined;
  benchmarks.claims = await run('claims', () => claims(c, sizes.warmDesktops, sizes.claims, sizes.claimRounds, log));
  benchmarks.supply = await run('supply', () => supply(c, sizes, log));
  benchmarks.failover = await run('failover', () => failover(c, sizes.leaseDurations, log));
  benchmarks.portal = await run('portal', () =>
    portal(c, sizes.portalUsers, sizes.portalUsersWithDesktop, sizes.portalRounds, log),
  );
  benchmarks.remote = await run('remote', () =>
    remoteDesktop(
      c,
      {
        rounds: sizes.remoteRounds,
        seconds: sizes.remoteSeconds,
        keyPresses: sizes.remoteKeyPresses,
        sessions: sizes.remoteSessions,
      },
      log,
    ),
  );
  const rawRate = benchmarks.provisioning
    ? benchmarks.provisioning.desktops / benchmarks.provisioning.rawBest.seconds
    : undefined;
  benchmarks.growth = await run('growth', async () => {
    await mkdir(resultsDir, { recursive: true });
    return growth(
      c,
      sizes.growthPools,
      sizes.growthSteps,
      sizes.growthIdleSeconds,
      sizes.growthIdleAt,
      rawRate,
      resultsDir,
      log,
    );
  });

  benchmarks.monday = await run('monday', async () => {
    await mkdir(resultsDir, { recursive: true });
    return monday(
      c,
      {
        people: sizes.mondayPeople,
        stormSpeed: sizes.mondayStormSpeed,
        quietSpeed: sizes.mondayQuietSpeed,
        bootDelayMs: sizes.mondayBootDelayMs,
        ...(values.strategies ? { strategies: mondayStrategies(values.strategies) } : {}),
      },
      resultsDir,
      log,
    );
  });

  benchmarks.drain = await run('drain', () =>
    drain(
      c,
      {
        desktops: sizes.drainDesktops,
        held: sizes.drainHeld,
        migratablePercent: sizes.drainMigratablePercent,
        nodes: sizes.drainNodes,
        bootDelayMs: sizes.drainBootDelayMs,
      },
      log,
    ),
  );

  const results: RunResults = {
    schema: 1,
    startedAt,
    quick: values.quick,
    sizes,
    machine: machine(cluster.kubernetesVersion, loadAtStart),
    notes: values.note,
    seconds: Math.round((performance.now() - began) / 100) / 10,
    benchmarks,
    failures,
  };
  const previous = values.merge
    ? (JSON.parse(await readFile(path.join(resultsDir, 'latest.json'), 'utf8')) as RunResults)
    : undefined;
  const latest = previous ? mergeResults(previous, results) : results;
  const file = await writeResults(resultsDir, results, latest);
  await writeFile(reportFile, renderReport(latest, path.relative(path.dirname(reportFile), resultsDir) || '.'));
  log(`results in ${file}; report in ${reportFile}`);
  if (Object.keys(failures).length) process.exitCode = 1;
} finally {
  await provisioned?.stop();
  await cluster?.stop();
}
