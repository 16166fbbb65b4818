// The bare RDCleanPath relay (direct-relay.ts) in a process of its own, as the portal is: its CPU
// and memory are its own, and the benchmark's own work (driving Chromium) does not share its event
// loop — the two paths differ only in what runs inside the process the browser talks to.
import path from 'node:path';
import { ManagedProcess } from '../../local/process.js';
import { REPO_ROOT } from '../../src/paths.js';
import { cpuSeconds, residentBytes } from '../harness/proc.js';

export interface RelayProcess {
  pid: number;
  /** The websocket URL that relays to `host:port`. */
  urlTo(address: string): string;
  /** Bytes relayed to browsers so far (as of its last report, at most 250 ms old). */
  bytesToBrowser(): number;
  cpuSeconds(): Promise<number>;
  residentBytes(): Promise<number>;
  logTail(): string;
  stop(): Promise<void>;
}

export async function startDirectRelay(caFile: string): Promise<RelayProcess> {
  let bytes = 0;
  const relay = await ManagedProcess.spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'direct-relay.ts'), '--ca', caFile],
    {
      name: 'the direct RDP relay',
      cwd: REPO_ROOT,
      stdinPipe: true,
      keepLines: 50,
      onLine: (line) => {
        const reported = /^to-browser (\d+)$/.exec(line);
        if (reported) bytes = Number(reported[1]);
      },
    },
  );
  let base: string;
  try {
    base = await relay.waitFor((line) => /^listening (ws:\/\/\S+)$/.exec(line)?.[1], 30_000);
  } catch (err) {
    await relay.kill();
    throw err;
  }
  const pid = relay.pid;
  return {
    pid,
    urlTo: (address) => `${base}/?to=${encodeURIComponent(address)}`,
    bytesToBrowser: () => bytes,
    cpuSeconds: () => cpuSeconds(pid),
    residentBytes: () => residentBytes(pid),
    logTail: () => relay.lines().join('\n'),
    stop: () => relay.stop(5000),
  };
}
