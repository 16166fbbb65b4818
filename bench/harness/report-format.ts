// What every part of BENCHMARKS.md marks a target with.

export function mark(met: boolean): string {
  return met ? '✅' : '❌';
}
