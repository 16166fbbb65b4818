// Percentiles and durations as the report shows them.

/** The p-th percentile (0..100) by nearest rank: always a value that was measured. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(...values)),
  };
}

/** To 0.1 ms (or 3 significant places for seconds): more digits would only be noise. */
export function round(x: number, places = 1): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}

export function ratio(x: number, baseline: number): number {
  return round(x / baseline, 2);
}

/** Runs `task(i)` for i in 0..n-1 with at most `concurrency` at once. */
export async function runConcurrently(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}
