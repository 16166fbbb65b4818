// The operator as users run it: `node dist/cli.js operator` in a process of its own, scoped to one
// benchmark's namespace, with leader election on as in production (so lease renewals are part of
// what it costs). Its /metrics give the requests it made by verb.
import { createWriteStream } from 'node:fs';
import { exitCodeOrSignal, ManagedProcess } from '../../local/process.js';
import { REPO_ROOT } from '../../src/paths.js';
import { WRITE_VERBS } from '../../src/runtime/metrics.js';
import { OPERATOR_ENTRYPOINT, operatorHealthAddress } from '../../test/support/build.js';
import { cpuSeconds, residentBytes } from './proc.js';
import { waitUntil } from './wait.js';

export interface OperatorProcess {
  pid: number;
  /** Whether it leads now (its kubevdi_leader gauge). */
  isLeader(): Promise<boolean>;
  /** Reconciles of a controller: how many and their summed seconds (kubevdi_reconcile_duration_seconds). */
  reconcileSeconds(controller: string): Promise<{ count: number; sum: number }>;
  /** SIGKILL, as a node failure or the OOM killer would end it: no lease handed over. */
  kill(): Promise<void>;
  /** kubevdi_api_requests_total summed over status codes, by verb. */
  requestsByVerb(): Promise<Record<string, number>>;
  /** Its /metrics page as a scrape reads it. */
  metricsText(): Promise<string>;
  cpuSeconds(): Promise<number>;
  residentBytes(): Promise<number>;
  /** The last log lines, for errors. */
  logTail(): string;
  stop(): Promise<void>;
}

/** How many of its last log lines logTail() and errors quote. */
const TAIL_LINES = 50;

export interface OperatorProcessOptions {
  /** More `kubevdi operator` flags, e.g. ['--lease-duration', '10s']. */
  args?: string[];
  /** Wait until it leads (default); a standby replica does not. */
  waitForLead?: boolean;
}

export async function startOperatorProcess(
  kubeconfigFile: string,
  namespace: string,
  options: OperatorProcessOptions = {},
): Promise<OperatorProcess> {
  // Profiling without editing the suite: BENCH_OPERATOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
  // (each operator process writes its profile when it stops), BENCH_OPERATOR_LOG=/tmp/op.log (every
  // log line of every operator, appended).
  const nodeArgs = (process.env.BENCH_OPERATOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const logFile = process.env.BENCH_OPERATOR_LOG
    ? createWriteStream(process.env.BENCH_OPERATOR_LOG, { flags: 'a' })
    : undefined;
  let stopping = false;
  const operator = await ManagedProcess.spawn(
    process.execPath,
    [
      ...nodeArgs,
      OPERATOR_ENTRYPOINT,
      'operator',
      '--namespace',
      namespace,
      '--leader-election-namespace',
      namespace,
      '--health-addr',
      '127.0.0.1:0',
      ...(options.args ?? []),
    ],
    // Info level, as deployed: debug logging would be part of the cost measured.
    {
      name: 'operator',
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECONFIG: kubeconfigFile },
      keepLines: TAIL_LINES,
      onLine: logFile && ((line) => logFile.write(`${line}\n`)),
    },
  );
  const tail = () => operator.lines().join('\n');
  const healthUrl = `http://${await operator.waitFor(operatorHealthAddress)}`;
  const metrics = async () => {
    // An operator that ended by itself (a lost lease on an overloaded machine, a crash) is what the
    // benchmark reports, with its last words, rather than a bare "fetch failed".
    if (operator.exit && !stopping) {
      throw new Error(`the operator ended by itself (${exitCodeOrSignal(operator.exit)}):\n${tail()}`);
    }
    // A scrape can meet the server closing an idle kept-alive connection just as it is reused
    // ("fetch failed", seen once in a 40-minute Monday run): tried again while the operator runs.
    for (let attempt = 1; ; attempt++) {
      try {
        return await (await fetch(`${healthUrl}/metrics`)).text();
      } catch (err) {
        if (attempt >= 3 || operator.exit) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  // Work starts only with the lease: a benchmark's clock starts after that.
  const leads = async () => /^kubevdi_leader 1$/m.test(await metrics());
  if (options.waitForLead !== false) await waitUntil('the operator to lead', 30_000, leads);
  const pid = operator.pid;
  return {
    pid,
    isLeader: leads,
    async reconcileSeconds(controller) {
      const text = await metrics();
      const read = (what: string) =>
        Number(
          new RegExp(
            `^kubevdi_reconcile_duration_seconds_${what}\\{controller="${controller}"\\} ([0-9.e+-]+)`,
            'm',
          ).exec(text)?.[1] ?? 0,
        );
      return { count: read('count'), sum: read('sum') };
    },
    async kill() {
      stopping = true;
      await operator.kill();
    },
    async requestsByVerb() {
      const byVerb: Record<string, number> = {};
      for (const m of (await metrics()).matchAll(
        /^kubevdi_api_requests_total\{verb="([^"]+)",code="[^"]+"\} (\d+)/gm,
      )) {
        const verb = m[1] as string;
        byVerb[verb] = (byVerb[verb] ?? 0) + Number(m[2]);
      }
      return byVerb;
    },
    metricsText: metrics,
    cpuSeconds: () => cpuSeconds(pid),
    residentBytes: () => residentBytes(pid),
    logTail: tail,
    async stop() {
      stopping = true;
      await operator.stop(10_000);
    },
  };
}

/** Requests made between two readings of requestsByVerb(), by verb, leaving out verbs with none. */
export function requestsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [verb, n] of Object.entries(after)) {
    const d = n - (before[verb] ?? 0);
    if (d) diff[verb] = d;
  }
  return diff;
}

export function total(byVerb: Record<string, number>): number {
  return Object.values(byVerb).reduce((a, b) => a + b, 0);
}

export function writes(byVerb: Record<string, number>): number {
  return WRITE_VERBS.reduce((sum, verb) => sum + (byVerb[verb] ?? 0), 0);
}
