// The clock an integration test moves: it starts at the file's time, runs on in real time, jumps
// when the file changes (and says so), and refuses a file that holds no time.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/runtime/log.js';
import { fileClock, readClockFile } from '../../src/runtime/test-clock.js';
import { eventually } from '../support/eventually.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-test-clock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the test clock', () => {
  it('starts at the time in its file, runs on, and jumps when the file changes', async () => {
    const file = path.join(dir, 'clock');
    await writeFile(file, '2026-03-23T07:59:58+01:00\n');
    const clock = fileClock(file, silentLogger);
    try {
      const start = clock.now().getTime();
      expect(start - Date.parse('2026-03-23T06:59:58Z')).toBeGreaterThanOrEqual(0);
      expect(start - Date.parse('2026-03-23T06:59:58Z')).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(clock.now().getTime()).toBeGreaterThan(start);

      let jumps = 0;
      clock.onJump?.(() => jumps++);
      await writeFile(`${file}.next`, '2026-03-23T18:29:58+01:00');
      await rename(`${file}.next`, file);
      await eventually(() => expect(jumps).toBe(1), 10_000, 20);
      expect(clock.now().getTime() - Date.parse('2026-03-23T17:29:58Z')).toBeLessThan(5_000);
    } finally {
      clock.stop();
    }
  });

  it('refuses a file that holds no RFC 3339 time, saying what it must hold', async () => {
    const file = path.join(dir, 'bad');
    await writeFile(file, 'tomorrow at eight');
    expect(() => readClockFile(file)).toThrow(
      `--test-clock-file ${file} must hold one RFC 3339 time like 2026-03-23T07:59:00Z, got "tomorrow at eight"`,
    );
  });
});
