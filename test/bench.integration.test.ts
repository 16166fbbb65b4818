// The benchmark suite's quick mode, run here only to keep its code working: it must complete and
// write its results and report with every benchmark in them. Never a timing: CI machines are
// shared and slow, and what the numbers mean is judged in BENCHMARKS.md, not here. The suite
// starts its own control plane (not the one the other integration tests share).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { RunResults } from '../bench/harness/results.js';
import { REPO_ROOT } from '../src/paths.js';

let out: string | undefined;
let child: ChildProcess | undefined;
afterAll(async () => {
  // After a test timeout: SIGTERM lets the suite stop its control plane (its servers also stop
  // by themselves once it is gone, through the orphan guard).
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  if (out) await rm(out, { recursive: true, force: true });
});

it('npm run bench -- --quick completes and reports every benchmark', { timeout: 1_200_000 }, async () => {
  out = await mkdtemp(path.join(tmpdir(), 'kubevdi-bench-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--out', out], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const how = await new Promise<string>((resolve) =>
    child?.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  expect(how, stderr).toBe('exit 0');

  const results = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as RunResults;
  expect(results.failures).toEqual({});
  expect(results.quick).toBe(true);
  expect(Object.keys(results.benchmarks).sort()).toEqual([
    'claims',
    'drain',
    'failover',
    'growth',
    'idle',
    'monday',
    'portal',
    'provisioning',
    'remote',
    'supply',
  ]);
  const charts = [
    ...(results.benchmarks.growth?.charts ?? []),
    ...(results.benchmarks.monday?.runs.map((r) => r.chart) ?? []),
  ];
  expect(charts.filter((c) => c.startsWith('monday-'))).toHaveLength(3);
  for (const chart of charts) {
    expect(await readFile(path.join(out, chart), 'utf8')).toMatch(/^<svg /);
  }
  expect(results.machine.cores).toBeGreaterThan(0);
  expect(results.machine.kubernetes).toMatch(/^v1\./);
  const report = await readFile(path.join(out, 'BENCHMARKS.md'), 'utf8');
  for (const heading of [
    'provisioning:',
    'getting a desktop:',
    'idle:',
    'cold claim:',
    'warm refill:',
    'failover:',
    'portal:',
    'remote:',
    'growth:',
    'Monday morning, schedule:',
    '### The Monday morning',
    'draining a node:',
    '### Draining a node',
  ]) {
    expect(report).toContain(heading);
  }
});
