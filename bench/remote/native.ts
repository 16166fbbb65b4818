// The RDP client connected straight to the desktop's RDP server, without the browser and without
// any gateway: FreeRDP's own X11 client (xfreerdp 2, native code), drawing on an X display of its
// own (Xvfb, 1280×800, no window manager), watched and typed into by probe.c, which reads the test
// pattern off that display as the browser's sampler reads it off the canvas. An anchor for what
// the RDP server gives a native client on this machine, not for the gateway: the gateway's cost is
// the direct browser path's comparison. It takes the desktop's certificate as it comes
// (/cert:ignore): what is measured is the picture, not the trust.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ManagedProcess } from '../../local/process.js';
import { waitUntil } from '../harness/wait.js';
import { buildProgram } from './build-c.js';
import type { KeyTiming } from './keys.js';
import type { RunningPattern } from './pattern.js';
import { KEY_TIMEOUT_MS, type Shown } from './sampler.js';

const run = promisify(execFile);
const SIZE = { width: 1280, height: 800 };
/** Between key presses, at random, as in the browser (keys.ts). */
const KEY_GAP_MS = [150, 400] as const;

export interface NativeClient {
  /** The client (xfreerdp) and its display (Xvfb), for telling their CPU apart. */
  pids: { client: number; display: number };
  countShown(seconds: number): Promise<Shown>;
  pressKeys(pattern: RunningPattern, n: number): Promise<KeyTiming[]>;
  /** Until the probe sees the pattern moving on the display. */
  waitForPattern(): Promise<void>;
  stop(): Promise<void>;
}

export function buildProbe(): Promise<string> {
  return buildProgram('probe', ['X11']);
}

/** xfreerdp to `address` (host:port) on an Xvfb of its own; resolves once it runs. */
export async function startNativeClient(probe: string, address: string): Promise<NativeClient> {
  const xvfb = await ManagedProcess.spawn(
    'Xvfb',
    ['-displayfd', '1', '-screen', '0', `${SIZE.width}x${SIZE.height}x24`, '-nolisten', 'tcp'],
    { name: 'Xvfb for xfreerdp', keepLines: 20 },
  );
  const stops: (() => Promise<unknown>)[] = [() => xvfb.stop(2000)];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const display = `:${await xvfb.waitFor((line) => (/^\d+$/.test(line.trim()) ? line.trim() : undefined), 15_000)}`;
    const env = { ...process.env, DISPLAY: display };
    const client = await ManagedProcess.spawn(
      'xfreerdp',
      [
        `/v:${address}`,
        // The desktop's RDP server takes any credentials over TLS (the simulator's default).
        '/u:bench',
        '/p:bench',
        '/sec:tls',
        '/cert:ignore',
        `/size:${SIZE.width}x${SIZE.height}`,
        '/bpp:32',
        '-decorations',
        '/log-level:WARN',
      ],
      { name: 'xfreerdp', env, keepLines: 50 },
    );
    stops.push(() => client.stop(2000));
    const probeRun = async (args: string[]) => (await run(probe, args, { env, timeout: 60_000 })).stdout;
    const countShown = async (seconds: number): Promise<Shown> => {
      const out = await probeRun(['count', String(seconds)]);
      const m = /^shown (\d+) polls (\d+) seconds ([\d.]+)$/m.exec(out);
      if (!m) throw new Error(`probe count said: ${out}`);
      return {
        ...SIZE,
        seconds: Number(m[3]),
        // No page: the probe's polls stand in for a page's animation frames (how often it looked).
        animationFrames: Number(m[2]),
        framesShown: Number(m[1]),
        framesSpanned: 0,
      };
    };
    return {
      pids: { client: client.pid, display: xvfb.pid },
      countShown,
      async pressKeys(pattern, n) {
        const timings: KeyTiming[] = [];
        for (let i = 0; i < n; i++) {
          await new Promise((r) => setTimeout(r, KEY_GAP_MS[0] + Math.random() * (KEY_GAP_MS[1] - KEY_GAP_MS[0])));
          // As in the browser (keys.ts): the display shows every earlier key press first.
          const marker = pattern.keysArrived().length % 2;
          await waitUntil('the native client to show every earlier key press', 60_000, async () =>
            (await probeRun(['marker', '-'])).includes(`marker ${marker}`),
          );
          const before = pattern.keysArrived().length;
          const out = await probeRun(['key', '-']);
          const keyAt = Number(/^key ([\d.]+)$/m.exec(out)?.[1]);
          const pixel = /^pixel ([\d.]+)$/m.exec(out)?.[1];
          await waitUntil(
            'the key press to reach the desktop',
            30_000,
            async () => pattern.keysArrived().length > before,
          );
          const desktopAt = pattern.keysArrived()[before] as number;
          const toPixelMs = pixel === undefined ? KEY_TIMEOUT_MS : Number(pixel) - keyAt;
          timings.push({
            toPixelMs,
            toFrameMs: toPixelMs,
            toDesktopMs: desktopAt - keyAt,
            ...(pixel === undefined ? { late: true as const } : {}),
          });
        }
        return timings;
      },
      async waitForPattern() {
        await waitUntil('the test pattern moving on the native client', 60_000, async () => {
          if (client.exit) throw client.failure('xfreerdp ended');
          return (await countShown(0.5)).framesShown > 0;
        });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
