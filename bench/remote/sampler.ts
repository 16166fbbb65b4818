// What the benchmark runs in the page (added before the page's own scripts, so its hooks see every
// draw): it reads the test pattern (pattern.ts) back from the canvas the remote display draws in —
// IronRDP's in its web component's shadow root, noVNC's in #screen.
//
// - Frames shown: on every animation frame (what the screen shows) it decodes the frame number the
//   desktop drew into its top-left squares, and counts the distinct numbers seen; the numbers it
//   jumps over are the desktop's frames the page never showed.
// - Key press to changed pixel: armed before a key press, it takes the time the page got the
//   keydown (the event's own timestamp), then watches the key marker square: `drawnAt` when a draw
//   call on the canvas (putImageData, drawImage) left it changed, `shownAt` at the first animation
//   frame that shows it changed. Other pages on the same desktop can watch the same change.
//
// Plain JavaScript in a string, not a TypeScript function: the page gets exactly this text (a
// compiled function would carry the compiler's helpers, which the page does not have).
import type { Page } from 'playwright-core';
import { PATTERN } from './pattern.js';

/** Which page: the remote desktop (RDP, IronRDP) or the VNC console (noVNC). */
export type Viewer = 'rdp' | 'vnc';

export interface Shown {
  /** Canvas size: the remote screen's resolution as the page has it. */
  width: number;
  height: number;
  seconds: number;
  /** Animation frames the page ran (its own refresh, the ceiling of what it can show). */
  animationFrames: number;
  /** Distinct desktop frames the page showed. */
  framesShown: number;
  /** Desktop frames between the first and the last shown: what the desktop drew meanwhile. */
  framesSpanned: number;
}

const SCRIPT = `(() => {
  const P = ${JSON.stringify(PATTERN)};
  const viewer = %VIEWER%;
  const find = () =>
    viewer === 'rdp'
      ? document.querySelector('iron-remote-desktop')?.shadowRoot?.querySelector('canvas')
      : document.querySelector('#screen canvas');
  const contextOf = (canvas) => canvas.getContext('2d');
  const frameOf = (ctx) => {
    const d = ctx.getImageData(0, 0, P.frameBits * P.bitSize, P.bitSize).data;
    let gray = 0;
    for (let bit = 0; bit < P.frameBits; bit++) {
      const at = ((P.bitSize >> 1) * P.frameBits * P.bitSize + bit * P.bitSize + (P.bitSize >> 1)) * 4;
      gray = (gray << 1) | (d[at] + d[at + 1] + d[at + 2] > 384 ? 1 : 0);
    }
    let n = gray;
    for (let g = gray >> 1; g; g >>= 1) n ^= g;
    return n;
  };
  const markerOf = (ctx) => {
    const half = P.marker.size >> 1;
    const d = ctx.getImageData(P.marker.x + half, P.marker.y + half, 1, 1).data;
    return d[2] > d[0] ? 1 : 0;
  };

  let count;
  let probe;
  // A probe watches from the keydown on (or at once, for a page that only watches another's key).
  const watching = () => probe && (probe.keyAt !== undefined || probe.watchOnly);
  const tick = () => {
    const canvas = find();
    if (canvas && canvas.width >= 256) {
      const ctx = contextOf(canvas);
      if (count) {
        count.animationFrames++;
        const n = frameOf(ctx);
        if (n !== count.last) {
          // A torn or lossy read can decode to nonsense: only forward steps of a sane size count.
          if (count.last === undefined || (n > count.last && n - count.last < 1000)) {
            if (count.first === undefined) count.first = n;
            count.shown++;
            count.last = n;
          }
        }
      }
      if (watching() && probe.shownAt === undefined && markerOf(ctx) !== probe.before) probe.shownAt = performance.now();
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  // A draw on the canvas while a key press is out: did it change the marker?
  const proto = CanvasRenderingContext2D.prototype;
  for (const method of ['putImageData', 'drawImage']) {
    const original = proto[method];
    proto[method] = function (...args) {
      const result = original.apply(this, args);
      if (watching() && probe.drawnAt === undefined && this.canvas === probe.canvas) {
        if (markerOf(this) !== probe.before) probe.drawnAt = performance.now();
      }
      return result;
    };
  }
  addEventListener('keydown', (event) => {
    if (probe && probe.keyAt === undefined) probe.keyAt = event.timeStamp;
  }, true);

  window.__kubevdiBench = {
    state() {
      const canvas = find();
      if (!canvas || canvas.width < 256) return null;
      const ctx = contextOf(canvas);
      return { width: canvas.width, height: canvas.height, frame: frameOf(ctx), marker: markerOf(ctx) };
    },
    startCount() {
      count = { started: performance.now(), animationFrames: 0, shown: 0, first: undefined, last: undefined };
    },
    stopCount() {
      const c = count;
      count = undefined;
      const canvas = find();
      return {
        width: canvas?.width ?? 0,
        height: canvas?.height ?? 0,
        seconds: (performance.now() - c.started) / 1000,
        animationFrames: c.animationFrames,
        framesShown: c.shown,
        framesSpanned: c.first === undefined ? 0 : c.last - c.first + 1,
      };
    },
    armKey(watchOnly) {
      const canvas = find();
      probe = { canvas, before: markerOf(contextOf(canvas)), watchOnly, keyAt: undefined, drawnAt: undefined, shownAt: undefined };
    },
    // The probe's times once the page showed the change; with giveUp, whatever it has now.
    keyResult(giveUp) {
      if (!probe || (probe.shownAt === undefined && !giveUp)) return null;
      const p = probe;
      probe = undefined;
      // Epoch milliseconds (the page's time origin + its clock), to compare with other pages.
      const epoch = (t) => (t === undefined ? undefined : performance.timeOrigin + t);
      return { keyAt: epoch(p.keyAt), drawnAt: epoch(p.drawnAt), shownAt: epoch(p.shownAt) };
    },
  };
})();`;

/** Adds the sampler to every page of the context opened after this (before the page's scripts). */
export function samplerScript(viewer: Viewer): string {
  return SCRIPT.replace('%VIEWER%', JSON.stringify(viewer));
}

/** The pattern as the page shows it now, or null while there is no remote screen. */
export function patternState(
  page: Page,
): Promise<{ width: number; height: number; frame: number; marker: number } | null> {
  return page.evaluate('window.__kubevdiBench?.state() ?? null');
}

export async function countShown(page: Page, seconds: number): Promise<Shown> {
  await page.evaluate('window.__kubevdiBench.startCount()');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return (await page.evaluate('window.__kubevdiBench.stopCount()')) as Shown;
}

/**
 * When a page saw a key press (epoch ms): its keydown (the typing page only), the draw, the frame;
 * no frame if it did not show the change within `KEY_TIMEOUT_MS`.
 */
export interface KeySeen {
  keyAt: number | undefined;
  drawnAt: number | undefined;
  shownAt: number | undefined;
}

/** Generous: while the screen moves, a busy page shows a key press seconds late (the RDP stream queues). */
export const KEY_TIMEOUT_MS = 30_000;

/**
 * One key press typed in `typing` (its keyboard focus must be on the remote screen), seen there and
 * in each of `watching` (other pages showing the same desktop): when each drew and showed the
 * changed marker. The first is the typing page's.
 */
export async function pressKeySeenBy(typing: Page, watching: Page[], key: string): Promise<KeySeen[]> {
  await Promise.all(watching.map((p) => p.evaluate('window.__kubevdiBench.armKey(true)')));
  await typing.evaluate('window.__kubevdiBench.armKey(false)');
  await typing.keyboard.press(key);
  const deadline = Date.now() + KEY_TIMEOUT_MS;
  return Promise.all(
    [typing, ...watching].map(async (page) => {
      const timeout = Math.max(1, deadline - Date.now());
      const shown = await page
        .waitForFunction('window.__kubevdiBench.keyResult(false)', undefined, { timeout, polling: 50 })
        .then((handle) => handle.jsonValue() as Promise<KeySeen>)
        .catch(() => undefined);
      return shown ?? ((await page.evaluate('window.__kubevdiBench.keyResult(true)')) as KeySeen);
    }),
  );
}
