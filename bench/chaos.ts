// `npm run chaos`: the chaos and fuzz campaigns of the test suite at their large size (issue 14
// §2): 50 SIGKILLs of the operator under load, thousands of hostile inputs through the API server
// and through the portal, and the other faults repeated. It runs those test files with vitest
// (their control plane, people and portal are the suite's) with CHAOS_SIZE=large, collects the
// figures each campaign writes, and prints them with the machine and the seed; docs/CHAOS.md
// holds the table of the last run.
//
//   npm run chaos                      a fresh seed (printed)
//   CHAOS_SEED=123 npm run chaos       replay a run
//   npm run chaos -- --suite           the suite's sizes, with the same figures and table
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../src/paths.js';
import { campaignSeed } from '../test/chaos/random.js';
import { chaosTable } from './chaos-report.js';

const FILES = [
  'test/operator-chaos.integration.test.ts',
  'test/api-fuzz.integration.test.ts',
  'test/portal-fuzz.integration.test.ts',
  'test/faults-chaos.integration.test.ts',
];

const suite = process.argv.includes('--suite');
const seed = campaignSeed();
const started = new Date();
const dir = path.join(
  REPO_ROOT,
  'bench/results',
  `chaos-${suite ? 'suite-' : ''}${started.toISOString().replace(/[:.]/g, '-')}`,
);
await mkdir(dir, { recursive: true });
process.stderr.write(`npm run chaos: seed ${seed} (replay with CHAOS_SEED=${seed}), results in ${dir}\n`);
const run = spawnSync('npx', ['vitest', 'run', '--project', 'integration', ...FILES], {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  env: { ...process.env, CHAOS_SIZE: suite ? 'suite' : 'large', CHAOS_SEED: String(seed), CHAOS_RESULTS_DIR: dir },
});
const results: Record<string, unknown> = {};
for (const file of await readdir(dir)) {
  if (file.endsWith('.json'))
    results[file.replace(/\.json$/, '')] = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
}
const summary = {
  seed,
  started: started.toISOString(),
  minutes: Math.round((Date.now() - started.getTime()) / 600) / 100,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadavg: loadavg(),
  },
  vitestExit: run.status,
  results,
};
await writeFile(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
await writeFile(path.join(dir, 'table.md'), `${chaosTable(results)}\n`);
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n\n${chaosTable(results)}\n`);
process.exit(run.status ?? 1);
