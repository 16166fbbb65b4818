// One path measured on one open page: frames shown while the whole screen moves, then key presses
// while it moves and on a still screen, with the CPU every process of the run used meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import { type CpuWindow, cpuBetween, cpuSnapshot, type KnownPids } from './cpu.js';
import type { RunningPattern } from './pattern.js';
import { countShown, type KeyTiming, type Shown, timeKeyPress } from './sampler.js';
import { type OpenViewer, waitForPattern } from './viewers.js';

export interface MeasureOptions {
  /** How long frames are counted. */
  seconds: number;
  /** Key presses while the screen moves, and as many on a still screen. */
  keyPresses: number;
  known: KnownPids;
}

export interface PathSample {
  shown: Shown;
  /** Frames a second the desktop itself drew while they were counted (its own count). */
  desktopFps: number;
  cpu: CpuWindow;
  keysMoving: KeyTiming[];
  keysStill: KeyTiming[];
}

/** Before counting: the page has drawn a few seconds of motion (decoders warm, buffers settled). */
const WARM_UP_MS = 2000;
/** Between key presses, at random: never in step with the desktop's frames or the page's. */
const KEY_GAP_MS = [150, 400] as const;

export async function measurePath(
  viewer: OpenViewer,
  pattern: RunningPattern,
  options: MeasureOptions,
): Promise<PathSample> {
  await waitForPattern(viewer);
  await sleep(WARM_UP_MS);
  const { shown, desktopFps, cpu } = await countFrames([viewer], [pattern], options);
  const keysMoving = await pressKeys(viewer, options.keyPresses);
  pattern.still(true);
  try {
    await sleep(500);
    const keysStill = await pressKeys(viewer, options.keyPresses);
    return { shown: shown[0] as Shown, desktopFps, cpu, keysMoving, keysStill };
  } finally {
    pattern.still(false);
  }
}

/** Frames shown on each page at once, with what the desktops drew and the CPU meanwhile. */
export async function countFrames(
  viewers: OpenViewer[],
  patterns: RunningPattern[],
  options: Pick<MeasureOptions, 'seconds' | 'known'>,
): Promise<{ shown: Shown[]; desktopFps: number; cpu: CpuWindow }> {
  const drawnBefore = patterns.map((p) => p.drawnPerSecond().length);
  const before = await cpuSnapshot();
  const shown = await Promise.all(viewers.map((v) => countShown(v.page, options.seconds)));
  const cpu = cpuBetween(before, await cpuSnapshot(), options.known);
  // Whole seconds the desktops reported inside the window, all desktops pooled.
  const drawn = patterns.flatMap((p, i) => p.drawnPerSecond().slice((drawnBefore[i] as number) + 1));
  const desktopFps = drawn.length ? drawn.reduce((a, b) => a + b, 0) / drawn.length : 0;
  return { shown, desktopFps, cpu };
}

async function pressKeys(viewer: OpenViewer, n: number): Promise<KeyTiming[]> {
  const timings: KeyTiming[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(KEY_GAP_MS[0] + Math.random() * (KEY_GAP_MS[1] - KEY_GAP_MS[0]));
    timings.push(await timeKeyPress(viewer.page, 'a'));
  }
  return timings;
}
