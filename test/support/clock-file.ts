// The operator's test clock from a test's side (`--test-clock-file`, src/runtime/test-clock.ts): a
// file in a fresh directory per test, set by writing a new file and renaming it over the old, so the
// operator never reads half a time.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { eventually } from './eventually.js';

export interface ClockFile {
  /** The operator's flags that make it run on this clock. */
  flags(): string[];
  /**
   * Moves the clock to an RFC 3339 time; it runs on in real time from there. With `seenBy`, waits
   * until that operator process has logged that its clock moved there (it polls the file), so
   * what the test does next happens after the jump by the operator's clock too.
   */
  set(time: string, seenBy?: { logs(): string[] }): Promise<void>;
}

export function useClockFile(): ClockFile {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-clock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  return {
    flags: () => ['--test-clock-file', path.join(dir, 'clock')],
    set: async (time, seenBy) => {
      const next = path.join(dir, 'clock.next');
      await writeFile(next, `${time}\n`);
      await rename(next, path.join(dir, 'clock'));
      if (!seenBy) return;
      const moved = `"now":"${new Date(time).toISOString()}","msg":"test clock moved"`;
      await eventually(() => expect(seenBy.logs().some((line) => line.includes(moved))).toBe(true));
    },
  };
}
