// One run's results as JSON: what BENCHMARKS.md is made from, and what later runs compare with.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClaimsResult } from '../claims.js';
import type { IdleResult } from '../idle.js';
import type { ProvisioningResult } from '../provisioning.js';
import type { Machine } from './machine.js';

export interface Sizes {
  desktops: number;
  warmDesktops: number;
  claims: number;
  idleSeconds: number;
}

export interface RunResults {
  schema: 1;
  startedAt: string;
  quick: boolean;
  sizes: Sizes;
  machine: Machine;
  /** What else ran on the machine, or anything a reader should know (`--note`). */
  notes: string[];
  seconds: number;
  benchmarks: {
    provisioning?: ProvisioningResult;
    idle?: IdleResult;
    claims?: ClaimsResult;
  };
  /** Benchmarks asked for that failed, with why. */
  failures: Record<string, string>;
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the first's path. */
export async function writeResults(dir: string, results: RunResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const file = path.join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, text);
  await writeFile(path.join(dir, 'latest.json'), text);
  return file;
}
