// Polling with a deadline, ended early when the process we wait for dies or when the wait is
// aborted because a sibling task already failed.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeExit, type ManagedProcess } from '../process.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** The process whose readiness this is: its death ends the wait, its log explains a timeout. */
  process?: ManagedProcess;
  /** Errors from `check` that end the wait at once instead of meaning "not yet". */
  fatal?: (err: unknown) => boolean;
  signal?: AbortSignal;
}

/**
 * Calls `check` until it returns something other than `undefined`. A throwing check counts as
 * "not yet"; its last error is reported if the deadline passes.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastProblem = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const proc = options.process;
    if (proc?.exit) throw proc.failure(`${describeExit(proc.exit)} while we waited for ${what}`);
    try {
      const result = await check();
      if (result !== undefined) return result;
      lastProblem = '';
    } catch (err) {
      if (options.fatal?.(err)) throw err;
      lastProblem = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      const message = `did not get ready: timed out after ${options.timeoutMs / 1000} s waiting for ${what}${lastProblem ? ` (last error: ${lastProblem})` : ''}`;
      throw proc ? proc.failure(message) : new Error(message);
    }
    await sleep(options.intervalMs ?? 100, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}

/**
 * Like Promise.all, but the first failure aborts the other tasks (they get the signal), so no
 * poller lingers against a control plane that is being torn down.
 */
export async function allOrNothing(
  tasks: ((signal: AbortSignal) => Promise<unknown>)[],
  parent?: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const signal = parent ? AbortSignal.any([parent, controller.signal]) : controller.signal;
  let failure: { error: unknown } | undefined;
  // Waits for every task to settle: aborted ones end quickly, and none is left running.
  await Promise.all(
    tasks.map((task) =>
      task(signal).catch((error: unknown) => {
        if (failure) return; // most likely our own abort
        failure = { error };
        controller.abort(error);
      }),
    ),
  );
  if (failure) throw failure.error;
}
