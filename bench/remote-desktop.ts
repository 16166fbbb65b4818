// Issue 16 §4 — the remote desktop, measured in a real browser: a simulated desktop's real X screen
// (the simulator's Xvnc) shows a test pattern in which every pixel moves every frame (60 frames a
// second, 1280×800: remote/testpattern.c), shown by four paths, one after the other on the same
// desktop, in rounds that rotate their order (remote/viewers.ts, remote/native.ts):
//
// - RDP through the portal: IronRDP's web client, the portal's RDCleanPath gateway, FreeRDP's
//   shadow server on the desktop — what people use;
// - RDP direct: the same page and client through a bare relay made of the gateway's own parts and
//   nothing else (remote/direct-relay.ts) — the browser client cannot open TCP, so this is the
//   nearest it gets to the server without the gateway;
// - VNC through the portal and the API server: noVNC, the portal's console, the API server's
//   aggregation layer, KubeVirt's `vnc` subresource (the simulator's virt-api), Xvnc;
// - RDP native: FreeRDP's own X11 client straight to the RDP server, no browser, no gateway — what
//   the server gives a native client on this machine.
//
// For each: frames shown a second (remote/sampler.ts decodes the frame number the desktop drew
// into the picture, on every animation frame of the page), key press to changed pixel while the
// screen moves and on a still screen, and the CPU of every process meanwhile (remote/cpu.ts). Then
// the portal's capacity: 1, 2, 4... sessions at once until frames drop (remote/capacity.ts).
import type { Browser } from 'playwright-core';
import type { BenchCluster } from './harness/cluster.js';
import { type Distribution, distribution, ratio, round } from './harness/stats.js';
import { waitUntil } from './harness/wait.js';
import { type CapacityResult, capacity } from './remote/capacity.js';
import type { KeyTiming } from './remote/keys.js';
import { measurePath, type PathSample, pageLooker } from './remote/measure.js';
import { startNativeClient } from './remote/native.js';
import { type PairedResult, pairedLatency } from './remote/paired.js';
import type { RunningPattern } from './remote/pattern.js';
import { openViewer, PATHS as PAGE_PATHS, type ViewerTarget } from './remote/viewers.js';
import { type RemoteWorld, startRemoteWorld } from './remote/world.js';

/** The browser's three paths, and the native client. */
const PATHS = [...PAGE_PATHS, 'rdp-native'] as const;
export type PathName = (typeof PATHS)[number];

/** What the test pattern draws: the seed's target is 30 through the portal, so the desktop offers twice that. */
const PATTERN_FPS = 60;
/** The targets. */
export const REMOTE_TARGETS = { fps: 30, gatewayLatencyRatio: 1.1 } as const;

export interface RemoteSizes {
  /** Rounds of the four paths (their order rotates). */
  rounds: number;
  /** Seconds frames are counted, per path and round, and per capacity step. */
  seconds: number;
  /** Key presses per path and round on a still screen, and half as many while it moves. */
  keyPresses: number;
  /** Sessions at once in the capacity series. */
  sessions: number[];
}

export interface KeyLatency {
  /** ms from keydown to the draw on the canvas that changed the marker (else to the frame showing it). */
  toPixel: Distribution;
  /** ms from keydown to the first animation frame showing it. */
  toFrame: Distribution;
  /** ms from keydown to the key reaching the desktop's program. */
  toDesktop: Distribution;
  /** Presses the page had not shown after 30 s (counted as 30 s in toPixel and toFrame). */
  late: number;
}

export interface PathResult {
  path: PathName;
  /** The remote screen as the page's canvas has it. */
  width: number;
  height: number;
  /** Frames shown a second, each round. */
  fpsPerRound: number[];
  /** Median of the rounds. */
  fps: number;
  /** Animation frames the page ran a second (its refresh: the most it can show). */
  pageFps: number;
  /** Frames a second the desktop drew meanwhile. */
  desktopFps: number;
  /** MB a second carried to the browser (median of the rounds). */
  mbPerSecond: number;
  keysMoving: KeyLatency;
  keysStill: KeyLatency;
  /** The process the browser talks to (the portal, or the direct relay): share of one core while frames were counted. */
  gatewayCpu: number;
  /** Every process of the run while frames were counted (mean of the rounds): share of one core. */
  cpuByKind: Record<string, number>;
  machineBusy: number;
}

export interface RemoteResult {
  patternFps: number;
  sizes: RemoteSizes;
  targets: typeof REMOTE_TARGETS;
  paths: PathResult[];
  /** Both RDP pages at once on a still screen: the gateway's latency on the same screen changes. */
  paired: PairedResult;
  ratios: {
    /** RDP through the portal / direct: key to pixel p50, still and moving screen. */
    gatewayLatencyStill: number;
    gatewayLatencyMoving: number;
    /** Frames shown, portal / direct. */
    gatewayFps: number;
    /** VNC / RDP through the portal: frames shown, key to pixel p50 (still). */
    vncFps: number;
    vncLatencyStill: number;
    /** Frames shown, the native client / RDP through the portal. */
    nativeFps: number;
  };
  /** The portal's RSS signed in, before any session (MiB). */
  portalSignedInMiB: number;
  capacity: CapacityResult;
}

export async function remoteDesktop(
  cluster: BenchCluster,
  sizes: RemoteSizes,
  log: (line: string) => void,
): Promise<RemoteResult> {
  const world = await startRemoteWorld(cluster, Math.max(1, ...sizes.sessions), PATTERN_FPS, log);
  try {
    const { browser, portal, targets, patternOf, known, portalBytesToBrowser } = world;
    const portalSignedInMiB = round((await portal.residentBytes()) / 2 ** 20);
    const samples = new Map<PathName, PathSample[]>(PATHS.map((p) => [p, []]));
    const first = targets[0] as ViewerTarget;
    for (let r = 0; r < sizes.rounds; r++) {
      const order = PATHS.map((_, i) => PATHS[(i + r) % PATHS.length] as PathName);
      for (const name of order) {
        const sample = await measureOnce(world, name, first, {
          seconds: sizes.seconds,
          keyPresses: sizes.keyPresses,
          known,
          bytesToBrowser: BYTES_OF[name](world),
        });
        (samples.get(name) as PathSample[]).push(sample);
        log(
          `remote: round ${r + 1} ${name}: ${(sample.shown.framesShown / sample.shown.seconds).toFixed(1)} frames/s shown (page ${(sample.shown.animationFrames / sample.shown.seconds).toFixed(0)}, desktop ${sample.desktopFps.toFixed(0)}, ${sample.mbPerSecond} MB/s), key to pixel p50 ${p50(sample.keysStill)} ms still (to the desktop ${latency(sample.keysStill).toDesktop.p50}), ${p50(sample.keysMoving)} ms moving`,
        );
      }
    }
    const paths = PATHS.map((name) => pathResult(name, samples.get(name) as PathSample[]));
    const [viaPortal, direct, vnc, native] = paths as [PathResult, PathResult, PathResult, PathResult];
    const paired = await measurePaired(browser, first, patternOf, 2 * sizes.keyPresses * sizes.rounds);
    log(
      `remote: paired, still screen: portal ${paired.portal.p50} ms, direct ${paired.direct.p50} ms; to the desktop ${paired.toDesktop.portal.p50} vs ${paired.toDesktop.direct.p50} ms, back ${paired.backToBrowser.p50} ms later; the gateway adds ${paired.addedMs} ms: ${paired.ratio}×`,
    );
    const capacityResult = await capacity(browser, {
      steps: sizes.sessions,
      seconds: sizes.seconds,
      targets,
      patternOf,
      portal,
      portalBytesToBrowser,
      known,
      log,
    });
    return {
      patternFps: PATTERN_FPS,
      sizes,
      targets: REMOTE_TARGETS,
      paths,
      paired,
      ratios: {
        gatewayLatencyStill: ratio(viaPortal.keysStill.toPixel.p50, direct.keysStill.toPixel.p50),
        gatewayLatencyMoving: ratio(viaPortal.keysMoving.toPixel.p50, direct.keysMoving.toPixel.p50),
        gatewayFps: ratio(viaPortal.fps, direct.fps),
        vncFps: ratio(vnc.fps, viaPortal.fps),
        vncLatencyStill: ratio(vnc.keysStill.toPixel.p50, viaPortal.keysStill.toPixel.p50),
        nativeFps: ratio(native.fps, viaPortal.fps),
      },
      portalSignedInMiB,
      capacity: capacityResult,
    };
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nportal log:\n${world.portal.logTail()}`,
    );
  } finally {
    await world.stop();
  }
}

/** The portal's and the direct RDP page at once on the first desktop (remote/paired.ts). */
async function measurePaired(
  browser: Browser,
  target: ViewerTarget,
  patternOf: (desktop: string) => Promise<RunningPattern>,
  presses: number,
): Promise<PairedResult> {
  const portal = await openViewer(browser, 'rdp-portal', target);
  try {
    const pattern = await patternOf(target.desktop);
    return await pairedLatency(portal, () => openViewer(browser, 'rdp-direct', target), pattern, presses);
  } finally {
    await portal.close();
  }
}

/** What each path's bytes to the browser are counted by (the native client's are not counted). */
const BYTES_OF: Record<PathName, (world: RemoteWorld) => () => Promise<number>> = {
  'rdp-portal': (world) => world.portalBytesToBrowser,
  'vnc-portal': (world) => world.portalBytesToBrowser,
  'rdp-direct': (world) => async () => world.relay.bytesToBrowser(),
  'rdp-native': () => async () => 0,
};

/** The process the path goes through, by its kind in the CPU figures (remote/cpu.ts). */
const GATEWAY_OF: Record<PathName, string | undefined> = {
  'rdp-portal': 'portal',
  'vnc-portal': 'portal',
  'rdp-direct': 'direct relay',
  'rdp-native': undefined,
};

/** One path, one round: open its page (or the native client) on the first person's desktop, measure, close it. */
async function measureOnce(
  world: RemoteWorld,
  name: PathName,
  target: ViewerTarget,
  options: Parameters<typeof measurePath>[2],
): Promise<PathSample> {
  const pattern = world.patternOf(target.desktop);
  if (name === 'rdp-native') {
    const native = await startNativeClient(world.probe, target.rdpAddress);
    try {
      return await measurePath(native, await pattern, options);
    } finally {
      await native.stop();
    }
  }
  const viewer = await openViewer(world.browser, name, target);
  try {
    return await measurePath(pageLooker(viewer), await pattern, options);
  } finally {
    await viewer.close();
    // The portal has let go of it before the next page opens (one connection per desktop).
    await waitUntil('the portal to close the console', 30_000, async () => {
      const metrics = await (await fetch(`${world.portal.url}/metrics`)).text();
      return !/kubevdi_portal_console_sessions\{protocol="(rdp|vnc)"} [1-9]/.test(metrics);
    });
  }
}

function pathResult(name: PathName, samples: PathSample[]): PathResult {
  const last = samples[samples.length - 1] as PathSample;
  const perSecond = (n: number, s: PathSample) => n / s.shown.seconds;
  const fpsPerRound = samples.map((s) => round(perSecond(s.shown.framesShown, s)));
  const cpuByKind: Record<string, number> = {};
  for (const s of samples)
    for (const [kind, share] of Object.entries(s.cpu.byKind))
      cpuByKind[kind] = round((cpuByKind[kind] ?? 0) + share / samples.length, 3);
  const gateway = GATEWAY_OF[name];
  return {
    path: name,
    width: last.shown.width,
    height: last.shown.height,
    fpsPerRound,
    fps: median(fpsPerRound),
    pageFps: median(samples.map((s) => round(perSecond(s.shown.animationFrames, s)))),
    desktopFps: median(samples.map((s) => round(s.desktopFps))),
    mbPerSecond: median(samples.map((s) => s.mbPerSecond)),
    keysMoving: latency(samples.flatMap((s) => s.keysMoving)),
    keysStill: latency(samples.flatMap((s) => s.keysStill)),
    gatewayCpu: gateway ? round(samples.reduce((a, s) => a + (s.cpu.byKind[gateway] ?? 0), 0) / samples.length, 3) : 0,
    cpuByKind: Object.fromEntries(Object.entries(cpuByKind).sort(([, a], [, b]) => b - a)),
    machineBusy: round(samples.reduce((a, s) => a + s.cpu.machineBusy, 0) / samples.length, 3),
  };
}

function latency(timings: KeyTiming[]): KeyLatency {
  return {
    toPixel: distribution(timings.map((t) => t.toPixelMs)),
    toFrame: distribution(timings.map((t) => t.toFrameMs)),
    toDesktop: distribution(timings.map((t) => t.toDesktopMs)),
    late: timings.filter((t) => t.late).length,
  };
}

function p50(timings: KeyTiming[]): number {
  return latency(timings).toPixel.p50;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}
