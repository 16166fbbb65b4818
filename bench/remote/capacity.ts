// How many remote desktop sessions one portal replica carries before frames drop: 1, 2, 4, 8...
// people, each with their own desktop (its screen moving all over, as in the path measurement) and
// their own browser context, open the remote desktop page through the portal; at each step every
// page's frames are counted at once, with the portal's CPU and memory. A step holds when every
// page shows at least HOLD_SHARE of the frames one page alone showed in the same series; the series
// stops at the first step that does not hold. On this machine the desktops and the browser share
// the portal's 2 cores, so the CPU by process says who ran out first.
import type { Browser } from 'playwright-core';
import { round } from '../harness/stats.js';
import type { CpuWindow, KnownPids } from './cpu.js';
import { countFrames, pageLooker } from './measure.js';
import type { RunningPattern } from './pattern.js';
import { type OpenViewer, openViewer, type ViewerTarget, waitForPattern } from './viewers.js';

/** A step holds while every session shows at least this share of the frames one session showed alone. */
export const HOLD_SHARE = 0.9;

export interface CapacityStep {
  sessions: number;
  /** Frames shown a second on each page. */
  fps: number[];
  medianFps: number;
  minFps: number;
  /** MB a second the portal carried to the browsers. */
  mbPerSecond: number;
  /** Frames a second the desktops drew meanwhile (mean over desktops). */
  desktopFps: number;
  /** The portal's CPU, share of one core, and per session. */
  portalCpu: number;
  portalCpuPerSession: number;
  portalResidentMiB: number;
  cpu: CpuWindow;
  held: boolean;
}

export interface CapacityResult {
  /** The one-session figure the others are held to, and the threshold it gives. */
  aloneFps: number;
  thresholdFps: number;
  /** The portal's RSS with no session open, just before the series. */
  portalIdleMiB: number;
  steps: CapacityStep[];
  /** The largest step that held (0: not even one session). */
  heldSessions: number;
  /** A step whose pages could not be opened and shown, and why (the series stopped there). */
  stoppedBy?: string;
}

export interface CapacityOptions {
  steps: number[];
  seconds: number;
  targets: ViewerTarget[];
  patternOf(desktop: string): Promise<RunningPattern>;
  portal: { pid: number; residentBytes(): Promise<number> };
  portalBytesToBrowser(): Promise<number>;
  known: KnownPids;
  log(line: string): void;
}

export async function capacity(browser: Browser, o: CapacityOptions): Promise<CapacityResult> {
  const open: OpenViewer[] = [];
  const patterns: RunningPattern[] = [];
  const steps: CapacityStep[] = [];
  const portalIdleMiB = round((await o.portal.residentBytes()) / 2 ** 20);
  let aloneFps = 0;
  let stoppedBy: string | undefined;
  try {
    for (const sessions of o.steps) {
      if (sessions > o.targets.length) throw new Error(`${sessions} sessions, but only ${o.targets.length} desktops`);
      // More people open their desktop; the ones already open stay.
      const opening = o.targets.slice(open.length, sessions);
      try {
        const opened = await Promise.allSettled(opening.map((t) => openViewer(browser, 'rdp-portal', t)));
        for (const result of opened) if (result.status === 'fulfilled') open.push(result.value);
        const refused = opened.find((result) => result.status === 'rejected');
        if (refused) throw refused.reason;
        patterns.push(...(await Promise.all(opening.map((t) => o.patternOf(t.desktop)))));
        await Promise.all(open.slice(-opening.length).map((v) => waitForPattern(v)));
      } catch (err) {
        // A step that cannot even open (pages starved past their timeouts) did not hold either.
        stoppedBy = `${sessions} sessions: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
        o.log(`remote: capacity stops at ${stoppedBy}`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const { shown, desktopFps, cpu, mbPerSecond } = await countFrames(open.map(pageLooker), patterns, {
        ...o,
        bytesToBrowser: o.portalBytesToBrowser,
      });
      const fps = shown.map((s) => round(s.framesShown / s.seconds));
      const sorted = [...fps].sort((a, b) => a - b);
      const medianFps = sorted[Math.floor(sorted.length / 2)] as number;
      const minFps = sorted[0] as number;
      if (steps.length === 0) aloneFps = medianFps;
      const portalCpu = cpu.byKind.portal ?? 0;
      const held = minFps >= HOLD_SHARE * aloneFps;
      steps.push({
        sessions,
        fps,
        medianFps,
        minFps,
        mbPerSecond,
        desktopFps: round(desktopFps),
        portalCpu,
        portalCpuPerSession: round(portalCpu / sessions, 3),
        portalResidentMiB: round((await o.portal.residentBytes()) / 2 ** 20),
        cpu,
        held,
      });
      o.log(
        `remote: ${sessions} sessions: ${fps.join(', ')} frames/s (desktops drew ${round(desktopFps)}), portal ${round(portalCpu * 100)} % of a core, machine ${round(cpu.machineBusy * 100)} % busy`,
      );
      if (!held) break;
    }
  } finally {
    await Promise.all(open.map((v) => v.close()));
  }
  const held = steps.filter((s) => s.held);
  return {
    aloneFps,
    thresholdFps: round(HOLD_SHARE * aloneFps),
    portalIdleMiB,
    steps,
    heldSessions: held.length ? (held[held.length - 1] as CapacityStep).sessions : 0,
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}
