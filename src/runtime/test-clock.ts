// FOR TESTS ONLY (`kubevdi operator --test-clock-file FILE`): a wall clock an integration test can
// move. FILE holds one RFC 3339 time; the clock shows it at the moment the file is read and runs on
// in real time from there, so timers and requeues still fire when they should. Writing another
// time into FILE (write a temporary file and rename it over) moves the clock there within a tenth
// of a second, and tells whoever listens that it jumped, so time-based decisions are made again at
// once. A production operator never takes it: the system clock is the only honest one.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const POLL_MS = 100;

export interface TestClock extends Clock {
  stop(): void;
}

/** The time in the file, or an error that says what the file must hold. */
export function readClockFile(file: string): number {
  const text = readFileSync(file, 'utf8').trim();
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`--test-clock-file ${file} must hold one RFC 3339 time like 2026-03-23T07:59:00Z, got "${text}"`);
  }
  return ms;
}

export function fileClock(file: string, log: Logger): TestClock {
  let base = readClockFile(file);
  let readAt = performance.now();
  const listeners: (() => void)[] = [];
  log.warn(
    { file, now: new Date(base).toISOString() },
    'the operator runs on a TEST clock; never use --test-clock-file in production',
  );
  watchFile(file, { interval: POLL_MS, persistent: false }, () => {
    let next: number;
    try {
      next = readClockFile(file);
    } catch (err) {
      log.warn({ err }, 'test clock file unreadable; the clock runs on');
      return;
    }
    base = next;
    readAt = performance.now();
    log.info({ now: new Date(base).toISOString() }, 'test clock moved');
    for (const listener of listeners) listener();
  });
  return {
    now: () => new Date(base + (performance.now() - readAt)),
    onJump: (listener) => listeners.push(listener),
    stop: () => unwatchFile(file),
  };
}
