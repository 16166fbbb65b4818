// What runs on this machine, read from /proc (Linux): which programs a process started, whether a
// process still lives, how much memory it holds. For tests that check nothing is left behind.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The program's name as the kernel keeps it (at most 15 characters: `freerdp-shadow-`). */
  comm: string;
}

function info(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); // "pid (comm) STATE ppid ..."
    const close = stat.lastIndexOf(')');
    const state = stat.charAt(close + 2);
    if (state === 'Z') return undefined; // a zombie is gone, only not yet reaped
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { pid, ppid, comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

export function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => info(Number(entry)) ?? []);
}

/** Every descendant of `pid`, children first. */
export function descendants(pid: number): ProcessInfo[] {
  const all = processes();
  const found: ProcessInfo[] = [];
  const parents = [pid];
  for (let parent = parents.shift(); parent !== undefined; parent = parents.shift()) {
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push(p);
      parents.push(p.pid);
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  return info(pid) !== undefined;
}

/** Resident memory in kB (VmRSS), 0 for a process that is gone. */
export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
