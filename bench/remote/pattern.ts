// The test pattern on a simulated desktop's screen (testpattern.c, built by build-c.ts), run on the
// X display of the desktop's session, which the simulator starts on the first connection. The
// display is found the way a person at the machine would: among the session's own programs (its
// window manager, terminal, RDP server), whose environment names the desktop (KUBEVDI_DESKTOP,
// local/simulator/screen/session.ts) and its DISPLAY — no hook in the simulator needed.
import { readdir, readFile } from 'node:fs/promises';
import { ManagedProcess } from '../../local/process.js';
import { waitUntil } from '../harness/wait.js';
import { buildProgram } from './build-c.js';

/** What the page reads back; the same numbers as testpattern.c's #defines. */
export const PATTERN = {
  /** The frame number, Gray-coded, in this many squares along the top edge from (0, 0). */
  frameBits: 16,
  bitSize: 16,
  /** The square that turns red ↔ blue on every key press. */
  marker: { x: 0, y: 32, size: 64 },
} as const;

/** The compiled test pattern. */
export function buildTestPattern(): Promise<string> {
  return buildProgram('testpattern', ['X11', 'Xext']);
}

/** The X display (`:N`) of the running session of desktop `namespace/name`, once its programs run. */
export async function sessionDisplay(label: string, timeoutMs = 30_000): Promise<string> {
  let display: string | undefined;
  await waitUntil(`the X session of ${label}`, timeoutMs, async () => {
    display = await findDisplay(label);
    return display !== undefined;
  });
  return display as string;
}

async function findDisplay(label: string): Promise<string | undefined> {
  const wanted = `KUBEVDI_DESKTOP=${label}`;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const vars = environ.split('\0');
    if (!vars.includes(wanted)) continue;
    const display = vars.find((v) => v.startsWith('DISPLAY='))?.slice('DISPLAY='.length);
    if (display) return display;
  }
  return undefined;
}

export interface RunningPattern {
  pid: number;
  /** Frames the desktop drew in each whole second so far (its own count). */
  drawnPerSecond(): number[];
  /** When each key press reached it so far (epoch ms, the machine's wall clock). */
  keysArrived(): number[];
  /** Stops the motion (a still screen: only the key marker changes), or starts it again. */
  still(on: boolean): void;
  stop(): Promise<void>;
}

/** Runs the test pattern on `display` at `fps`; resolves once it holds the keyboard and draws. */
export async function runTestPattern(binary: string, display: string, fps: number): Promise<RunningPattern> {
  const drawn: number[] = [];
  const keys: number[] = [];
  const program = await ManagedProcess.spawn(binary, [String(fps)], {
    name: `the test pattern on ${display}`,
    env: { ...process.env, DISPLAY: display },
    keepLines: 20,
    onLine: (line) => {
      const second = /^fps (\d+)$/.exec(line);
      if (second) drawn.push(Number(second[1]));
      const arrival = /^key ([\d.]+)$/.exec(line);
      if (arrival) keys.push(Number(arrival[1]));
    },
  });
  try {
    await program.waitFor((line) => (line.startsWith('ready ') ? line : undefined), 15_000);
  } catch (err) {
    await program.kill();
    throw err;
  }
  return {
    pid: program.pid,
    drawnPerSecond: () => [...drawn],
    keysArrived: () => [...keys],
    still: (on) => process.kill(program.pid, on ? 'SIGUSR1' : 'SIGUSR2'),
    stop: () => program.stop(2000),
  };
}
