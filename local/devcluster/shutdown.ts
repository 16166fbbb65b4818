// Stops running control planes when the process is asked to terminate (SIGINT, SIGTERM).
// Our servers run in their own process groups, so a terminal's Ctrl-C reaches only us; this is
// where they get stopped in order. SIGKILL and crashes are the OrphanGuard's job.
import { setTimeout as sleep } from 'node:timers/promises';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** After this, we give up on an orderly stop; the 'exit' hook SIGKILLs what is left. */
const STOP_BUDGET_MS = 20_000;

const stops = new Set<() => Promise<void>>();
let stopping = false;

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (a CLI, a test runner): they decide when we exit; our
  // 'exit' hook and the orphan guard still clean up.
  if (process.listenerCount(signal) > 1) return;
  if (stopping) {
    // A second Ctrl-C: stop waiting.
    uninstall();
    process.kill(process.pid, signal);
    return;
  }
  stopping = true;
  const all = Promise.allSettled([...stops].map((stop) => stop()));
  void Promise.race([all, sleep(STOP_BUDGET_MS)]).then(() => {
    uninstall();
    // Die of the same signal, as if we had never caught it (exit status 128+n for the shell).
    process.kill(process.pid, signal);
  });
}

function install(): void {
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/** Registers a running control plane's stop; returns the function that unregisters it. */
export function stopOnSignal(stop: () => Promise<void>): () => void {
  if (stops.size === 0) install();
  stops.add(stop);
  return () => {
    stops.delete(stop);
    // Leave the process's signal handling as it was once nothing of ours runs.
    if (stops.size === 0 && !stopping) uninstall();
  };
}
