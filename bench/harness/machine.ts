// The machine a run was measured on: every figure that depends on it is a ratio to a baseline of
// the same run, and these say what the absolute numbers came from.
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  loadAverageAtStart: number;
  node: string;
  kubernetes: string;
}

export function machine(kubernetes: string): Machine {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
    kubernetes,
  };
}
