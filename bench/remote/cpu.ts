// Where the machine's CPU went during a measurement: every process this benchmark started (its
// process tree: the control plane, the simulator and the desktops' X servers, RDP servers and test
// patterns, the operator, the portal, the relay, Chromium), by what it is, as a share of one core.
// On a 2-core machine shared by all of them, this is what says whether a figure is the portal's
// doing or the desktops' and the browser's.
import { machineCpu, treeCpu } from '../harness/proc.js';
import { round } from '../harness/stats.js';

/** The processes known by pid (the rest are known by name). */
export type KnownPids = Record<string, number | undefined>;

export interface CpuSnapshot {
  at: number;
  processes: Map<number, { name: string; seconds: number }>;
  machine: { busy: number; total: number };
}

export interface CpuWindow {
  seconds: number;
  /** Share of one core, by kind of process (only kinds that used some). */
  byKind: Record<string, number>;
  /** The whole machine's busy share (every core: 1 is all of them), others' work included. */
  machineBusy: number;
}

export async function cpuSnapshot(): Promise<CpuSnapshot> {
  const [processes, machine] = await Promise.all([treeCpu(process.pid), machineCpu()]);
  return { at: performance.now(), processes, machine };
}

function kindOf(pid: number, name: string, known: KnownPids): string {
  for (const [kind, knownPid] of Object.entries(known)) if (knownPid === pid) return kind;
  if (pid === process.pid) return 'benchmark (Playwright)';
  if (name.startsWith('chrom')) return 'Chromium';
  if (name === 'Xvnc') return 'Xvnc (X server, VNC server)';
  if (name.startsWith('freerdp-shadow')) return 'FreeRDP shadow (RDP server)';
  if (name.startsWith('testpattern')) return 'test pattern';
  if (name === 'xfreerdp') return 'xfreerdp (native client)';
  if (name === 'Xvfb') return "Xvfb (the native client's display)";
  if (name.startsWith('probe')) return 'probe (reads the native display)';
  if (name === 'kube-apiserver' || name === 'etcd') return name;
  return 'other';
}

/** CPU between two snapshots, by kind, as a share of one core. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, known: KnownPids): CpuWindow {
  const seconds = (after.at - before.at) / 1000;
  const used: Record<string, number> = {};
  for (const [pid, now] of after.processes) {
    const then = before.processes.get(pid);
    // A process that started inside the window counts from zero.
    const spent = now.seconds - (then?.name === now.name ? then.seconds : 0);
    if (spent <= 0) continue;
    const kind = kindOf(pid, now.name, known);
    used[kind] = (used[kind] ?? 0) + spent;
  }
  const byKind = Object.fromEntries(
    Object.entries(used)
      .map(([kind, s]) => [kind, round(s / seconds, 3)] as const)
      .filter(([, share]) => share >= 0.005)
      .sort(([, a], [, b]) => b - a),
  );
  const machineBusy = round(
    (after.machine.busy - before.machine.busy) / Math.max(1e-9, after.machine.total - before.machine.total),
    3,
  );
  return { seconds: round(seconds, 2), byKind, machineBusy };
}
