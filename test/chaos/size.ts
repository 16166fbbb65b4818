// How big a chaos or fuzz campaign is: the suite's size (minutes of the whole suite's CI, on a
// loaded 2-core machine) or, under `npm run chaos` (CHAOS_SIZE=large), the larger run reported
// in docs/CHAOS.md. Results go to CHAOS_RESULTS_DIR, when set, one JSON file per campaign.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ChaosSize {
  large: boolean;
  kills: number;
  apiFuzzPerKind: number;
  portalFuzzPerKind: number;
  /** Per test. */
  timeoutMs: number;
}

export function chaosSize(): ChaosSize {
  return process.env.CHAOS_SIZE === 'large'
    ? { large: true, kills: 50, apiFuzzPerKind: 700, portalFuzzPerKind: 350, timeoutMs: 3_600_000 }
    : { large: false, kills: 4, apiFuzzPerKind: 45, portalFuzzPerKind: 30, timeoutMs: 600_000 };
}

export async function recordChaosResult(campaign: string, result: unknown): Promise<void> {
  const dir = process.env.CHAOS_RESULTS_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${campaign}.json`), `${JSON.stringify(result, null, 2)}\n`);
}
