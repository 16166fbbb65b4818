// One run's results as JSON: what BENCHMARKS.md is made from, and what later runs compare with.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClaimsResult } from '../claims.js';
import type { DrainResult } from '../drain.js';
import type { FailoverResult } from '../failover.js';
import type { GrowthResult } from '../growth.js';
import type { IdleResult } from '../idle.js';
import type { MondayResult } from '../monday.js';
import type { PortalResult } from '../portal.js';
import type { ProvisioningResult } from '../provisioning.js';
import type { RemoteResult } from '../remote-desktop.js';
import type { SupplyResult } from '../supply.js';
import type { Machine } from './machine.js';

export interface Sizes {
  desktops: number;
  warmDesktops: number;
  claims: number;
  /** Rounds of the warm-claims benchmark, baseline and operator alternating. */
  claimRounds: number;
  idleSeconds: number;
  coldClaims: number;
  refillSize: number;
  refillPrestarted: number;
  /** The simulator's boot delay B in the cold and refill benchmarks. */
  bootDelayMs: number;
  growthPools: number;
  /** Desktops in all at each growth step. */
  growthSteps: number[];
  /** Idle window after the growth step of growthIdleAt desktops (the idle at scale); 0 skips it. */
  growthIdleSeconds: number;
  /** The growth step (desktops in all) after which the idle window runs; later steps go on from there. */
  growthIdleAt: number;
  /** --lease-duration of each failover run, seconds. */
  leaseDurations: number[];
  /** Signed-in users who load their desktop list at once in the portal benchmark. */
  portalUsers: number;
  /** Of them, how many hold a desktop (so their list is not empty). */
  portalUsersWithDesktop: number;
  /** Rounds of the portal benchmark, baseline and portal alternating. */
  portalRounds: number;
  /** Rounds of the remote-desktop benchmark's three paths (their order rotates). */
  remoteRounds: number;
  /** Seconds frames are counted, per path and round and per capacity step. */
  remoteSeconds: number;
  /** Key presses per path and round on a still screen, and half as many while it moves. */
  remoteKeyPresses: number;
  /** Sessions at once in the portal's capacity series. */
  remoteSessions: number[];
  /** People of the Monday-morning benchmark (each of its three pools has as many desktops). */
  mondayPeople: number;
  /** Simulated seconds a real second through the logon storm. */
  mondayStormSpeed: number;
  /** Simulated seconds a real second where only the clock moves (nights, the middle of the day). */
  mondayQuietSpeed: number;
  /** The simulator's boot delay in the Monday-morning benchmark (real ms). */
  mondayBootDelayMs: number;
  /** Desktops on the node the drain benchmark empties (all running). */
  drainDesktops: number;
  /** Of them, held by people. */
  drainHeld: number;
  /** Percent of the desktops, and of the held ones, that can migrate live (the rest: ReadWriteOnce disks). */
  drainMigratablePercent: number;
  /** Nodes in the drain benchmark, the drained one included. */
  drainNodes: number;
  /** The simulator's boot delay in the drain benchmark (real ms). */
  drainBootDelayMs: number;
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
    supply?: SupplyResult;
    failover?: FailoverResult;
    portal?: PortalResult;
    remote?: RemoteResult;
    growth?: GrowthResult;
    monday?: MondayResult;
    drain?: DrainResult;
  };
  /** Benchmarks asked for that failed, with why. */
  failures: Record<string, string>;
  /**
   * Benchmarks measured in runs of their own and merged in (`--merge`), by name: those runs. The
   * rest of these results is from the run described above.
   */
  separateRuns?: Record<string, SeparateRun>;
}

export interface SeparateRun {
  startedAt: string;
  quick: boolean;
  machine: Machine;
  notes: string[];
  seconds: number;
}

/**
 * `previous` with the benchmarks of `run` (measured or failed) taken from `run`, each noted as a
 * separate run: a benchmark measured again on its own, the others' figures kept as they were.
 */
export function mergeResults(previous: RunResults, run: RunResults): RunResults {
  // A benchmark this run did not select is there as undefined: only the ones it ran count.
  const measured = Object.entries(run.benchmarks).filter(([, result]) => result !== undefined);
  const names = [...measured.map(([name]) => name), ...Object.keys(run.failures)];
  const { startedAt, quick, machine, notes, seconds } = run;
  const failures = Object.fromEntries(Object.entries(previous.failures).filter(([name]) => !names.includes(name)));
  return {
    ...previous,
    // Sizes the earlier run did not have (a benchmark it did not know) come from this one.
    sizes: { ...run.sizes, ...previous.sizes },
    benchmarks: { ...previous.benchmarks, ...Object.fromEntries(measured) },
    failures: { ...failures, ...run.failures },
    separateRuns: {
      ...previous.separateRuns,
      ...Object.fromEntries(names.map((name) => [name, { startedAt, quick, machine, notes, seconds }])),
    },
  };
}

/**
 * Writes `<dir>/<timestamp>.json` (this run) and `<dir>/latest.json` (`latest`: this run, or it
 * merged into the earlier results); returns the first's path.
 */
export async function writeResults(dir: string, results: RunResults, latest = results): Promise<string> {
  await mkdir(dir, { recursive: true });
  const json = (r: RunResults) => `${JSON.stringify(r, null, 2)}\n`;
  const file = path.join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, json(results));
  await writeFile(path.join(dir, 'latest.json'), json(latest));
  return file;
}
