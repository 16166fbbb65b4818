// A key press timed end to end and in its two halves: typed in a page (its keydown), arrived at the
// desktop's test pattern (which prints when, by the machine's wall clock), and drawn changed on the
// canvas of the page (and of any other page watching the same desktop). Both clocks are this
// machine's, so the way to the desktop and the way back are told apart without the desktop's
// capture timing blurring the first.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { waitUntil } from '../harness/wait.js';
import type { RunningPattern } from './pattern.js';
import { KEY_TIMEOUT_MS, type KeySeen, patternState, pressKeySeenBy } from './sampler.js';

export interface KeyTiming {
  /**
   * ms from the keydown to the draw call that changed the marker (else to the first frame showing
   * it); KEY_TIMEOUT_MS when the page had not shown it by then (`late`).
   */
  toPixelMs: number;
  /** ms from the keydown to the first animation frame showing it. */
  toFrameMs: number;
  /** ms from the keydown to the key press reaching the desktop's program. */
  toDesktopMs: number;
  /** Not shown within KEY_TIMEOUT_MS. */
  late?: true;
}

/** Between key presses, at random: never in step with the desktop's frames or the page's. */
const KEY_GAP_MS = [150, 400] as const;

/** How long a page may take to catch up with earlier key presses before the next is typed. */
const CATCH_UP_MS = 60_000;

/**
 * The moment the page drew the change: the draw call if the hooks saw it, else the frame (undefined:
 * not shown in time).
 */
export const pixelAt = (seen: KeySeen): number | undefined => seen.drawnAt ?? seen.shownAt;

/**
 * One key typed in `typing` after a random pause, once every page shows what the desktop shows (the
 * marker's colour says how many key presses it got: a late one must not be taken for this one's);
 * what each page saw, and when the desktop got it.
 */
export async function typeKey(
  typing: Page,
  watching: Page[],
  pattern: RunningPattern,
): Promise<{ seen: KeySeen[]; desktopAt: number }> {
  await sleep(KEY_GAP_MS[0] + Math.random() * (KEY_GAP_MS[1] - KEY_GAP_MS[0]));
  const marker = pattern.keysArrived().length % 2;
  await waitUntil('the pages to show every earlier key press', CATCH_UP_MS, async () => {
    const states = await Promise.all([typing, ...watching].map((page) => patternState(page)));
    return states.every((state) => state?.marker === marker);
  });
  const before = pattern.keysArrived().length;
  const seen = await pressKeySeenBy(typing, watching, 'a');
  await waitUntil('the key press to reach the desktop', 30_000, async () => pattern.keysArrived().length > before);
  return { seen, desktopAt: pattern.keysArrived()[before] as number };
}

/** `n` key presses in one page, each timed. */
export async function pressKeys(page: Page, pattern: RunningPattern, n: number): Promise<KeyTiming[]> {
  const timings: KeyTiming[] = [];
  for (let i = 0; i < n; i++) {
    const { seen, desktopAt } = await typeKey(page, [], pattern);
    const [own] = seen as [KeySeen];
    const keyAt = own.keyAt as number;
    const pixel = pixelAt(own);
    timings.push({
      toPixelMs: (pixel ?? keyAt + KEY_TIMEOUT_MS) - keyAt,
      toFrameMs: (own.shownAt ?? keyAt + KEY_TIMEOUT_MS) - keyAt,
      toDesktopMs: desktopAt - keyAt,
      ...(pixel === undefined ? { late: true as const } : {}),
    });
  }
  return timings;
}
