// The machine a run was measured on: every figure that depends on it is a ratio to a baseline of
// the same run, and these say what the absolute numbers came from.
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  loadAverageAtStart: number;
  /** The same when it ended. */
  loadAverageAtEnd: number;
  node: string;
  kubernetes: string;
}

export function machine(kubernetes: string, loadAverageAtStart: number): Machine {
  const cores = cpus();
  const load = (x: number) => Math.round(x * 100) / 100;
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: load(loadAverageAtStart),
    loadAverageAtEnd: load(loadavg()[0] ?? 0),
    node: process.version,
    kubernetes,
  };
}
