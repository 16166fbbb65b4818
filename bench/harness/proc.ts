// What a process costs, read from Linux's /proc: CPU seconds (user + system) and resident memory.
// Read from outside the process, so measuring does not change what is measured.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat's times (almost always 100). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of the process, in seconds. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the whole line are utime and stime; here field 3 is index 0.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** VmRSS of the process, in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** The processes whose command line holds `needle` and names `program` (e.g. the control plane's, by its work dir). */
export async function pidsOf(program: string, needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (cmdline[0]?.endsWith(program) && cmdline.some((arg) => arg.includes(needle))) found.push(Number(entry));
    } catch {
      // Gone since the listing, or not ours to read.
    }
  }
  return found;
}

/** Each process under `root` (itself included): its name (/proc/<pid>/comm) and CPU seconds so far. */
export async function treeCpu(root: number): Promise<Map<number, { name: string; seconds: number }>> {
  const parents = new Map<number, number>();
  const stats = new Map<number, { name: string; seconds: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Field 4 of the whole line is the parent; here field 3 is index 0.
      parents.set(Number(entry), Number(fields[1]));
      stats.set(Number(entry), { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS });
    } catch {
      // Gone since the listing.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = parents.get(p);
    }
    return false;
  };
  return new Map([...stats].filter(([pid]) => inTree(pid)));
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat), every core summed. */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal (guest times after these are in user already)
  const ticks = line.split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS, total: total / TICKS };
}
