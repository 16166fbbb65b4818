// The operator's test clock (--test-clock-file) as the Monday-morning benchmark moves it: a file
// holding one RFC 3339 time, replaced whole (a new file renamed over the old) so the operator never
// reads half a time. The operator reads it within a tenth of a second and runs on in real time
// from there (src/runtime/test-clock.ts).
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MINUTE_MS } from './day.js';

/** The simulated Monday: 23 March 2026, in UTC (the pool's schedule is in UTC too). */
export const MONDAY_MS = Date.parse('2026-03-23T00:00:00Z');
/** Where the clock stands while a pool is set up: Sunday's last hour, outside the day that is counted. */
export const SETUP_MS = MONDAY_MS - 60 * MINUTE_MS;

export interface ClockFile {
  file: string;
  /** Sets the clock to `minute` minutes after Monday's midnight. */
  setMinute(minute: number): Promise<void>;
  setMs(ms: number): Promise<void>;
  remove(): Promise<void>;
}

export async function clockFile(): Promise<ClockFile> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-monday-'));
  const file = path.join(dir, 'clock');
  const setMs = async (ms: number) => {
    const next = path.join(dir, 'clock.next');
    await writeFile(next, `${new Date(Math.floor(ms)).toISOString()}\n`);
    await rename(next, file);
  };
  await setMs(SETUP_MS);
  return {
    file,
    setMs,
    setMinute: (minute) => setMs(MONDAY_MS + minute * MINUTE_MS),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
