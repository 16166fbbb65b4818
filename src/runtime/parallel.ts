/** Writes in flight at once within one reconcile: enough to hide latency, few enough not to flood. */
export const WRITE_CONCURRENCY = 16;

/**
 * Runs `fn` on every item, at most `concurrency` at a time. Every item is tried even when some
 * fail; the first error is thrown at the end (the key is retried with backoff as a whole).
 */
export async function inParallel<T>(
  items: readonly T[],
  fn: (item: T) => Promise<unknown>,
  concurrency = WRITE_CONCURRENCY,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item).catch((err: unknown) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (errors.length) throw errors[0];
}
