// One path measured on what looks at the desktop (a page, or the native client): frames shown while
// the whole screen moves, then key presses while it moves and on a still screen, with the CPU every
// process of the run used meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from '../harness/stats.js';
import { type CpuWindow, cpuBetween, cpuSnapshot, type KnownPids } from './cpu.js';
import { type KeyTiming, pressKeys } from './keys.js';
import type { RunningPattern } from './pattern.js';
import { countShown, type Shown } from './sampler.js';
import { type OpenViewer, waitForPattern } from './viewers.js';

export interface MeasureOptions {
  /** How long frames are counted. */
  seconds: number;
  /** Key presses on a still screen, and half as many while it moves. */
  keyPresses: number;
  known: KnownPids;
  /** Bytes carried to the browser so far by the process the page talks to (the portal, or the relay). */
  bytesToBrowser(): Promise<number>;
}

/** What shows the desktop: a page of the browser (pageLooker), or the native client (native.ts). */
export interface Looker {
  waitForPattern(): Promise<unknown>;
  countShown(seconds: number): Promise<Shown>;
  pressKeys(pattern: RunningPattern, n: number): Promise<KeyTiming[]>;
}

export function pageLooker(viewer: OpenViewer): Looker {
  return {
    waitForPattern: () => waitForPattern(viewer),
    countShown: (seconds) => countShown(viewer.page, seconds),
    pressKeys: (pattern, n) => pressKeys(viewer.page, pattern, n),
  };
}

export interface PathSample {
  shown: Shown;
  /** MB (10⁶ bytes) a second carried to the browser(s) while frames were counted. */
  mbPerSecond: number;
  /** Frames a second the desktop itself drew while they were counted (its own count). */
  desktopFps: number;
  cpu: CpuWindow;
  keysMoving: KeyTiming[];
  keysStill: KeyTiming[];
}

/** Before counting: the page has drawn a few seconds of motion (decoders warm, buffers settled). */
const WARM_UP_MS = 2000;
/**
 * On a still screen, presses first that are not measured: FreeRDP's shadow server paces its
 * captures by how far the client lags (frame acknowledgements, 32 a second at most), slowed down
 * while the screen moved; each small update that follows speeds it up again.
 */
const STILL_WARM_UP_PRESSES = 10;

export async function measurePath(
  looker: Looker,
  pattern: RunningPattern,
  options: MeasureOptions,
): Promise<PathSample> {
  await looker.waitForPattern();
  await sleep(WARM_UP_MS);
  const { shown, desktopFps, cpu, mbPerSecond } = await countFrames([looker], [pattern], options);
  // While the screen moves a press can take seconds to show (the stream queues): fewer of them.
  const keysMoving = await looker.pressKeys(pattern, movingPresses(options.keyPresses));
  pattern.still(true);
  try {
    await sleep(500);
    await looker.pressKeys(pattern, STILL_WARM_UP_PRESSES);
    const keysStill = await looker.pressKeys(pattern, options.keyPresses);
    return { shown: shown[0] as Shown, mbPerSecond, desktopFps, cpu, keysMoving, keysStill };
  } finally {
    pattern.still(false);
  }
}

export function movingPresses(keyPresses: number): number {
  return Math.ceil(keyPresses / 2);
}

/** Frames shown by each looker at once, with what the desktops drew and the CPU meanwhile. */
export async function countFrames(
  lookers: Looker[],
  patterns: RunningPattern[],
  options: Pick<MeasureOptions, 'seconds' | 'known' | 'bytesToBrowser'>,
): Promise<{ shown: Shown[]; desktopFps: number; cpu: CpuWindow; mbPerSecond: number }> {
  const drawnBefore = patterns.map((p) => p.drawnPerSecond().length);
  const [before, bytesBefore] = await Promise.all([cpuSnapshot(), options.bytesToBrowser()]);
  const shown = await Promise.all(lookers.map((l) => l.countShown(options.seconds)));
  const [after, bytesAfter] = await Promise.all([cpuSnapshot(), options.bytesToBrowser()]);
  const cpu = cpuBetween(before, after, options.known);
  const mbPerSecond = round((bytesAfter - bytesBefore) / 1e6 / cpu.seconds, 2);
  // Whole seconds the desktops reported inside the window, all desktops pooled.
  const drawn = patterns.flatMap((p, i) => p.drawnPerSecond().slice((drawnBefore[i] as number) + 1));
  const desktopFps = drawn.length ? drawn.reduce((a, b) => a + b, 0) / drawn.length : 0;
  return { shown, desktopFps, cpu, mbPerSecond };
}
