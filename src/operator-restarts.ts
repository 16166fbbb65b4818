// An operator that starts again when it loses its lease, for processes that host it beside other
// things (`kubevdi dev` runs the control plane, the simulator and the portal in one process and
// cannot simply exit). Production does the same thing one level up: `kubevdi operator` exits and
// its Deployment starts a new pod. Here the lost operator is stopped first (its controllers drained,
// its caches closed, so nothing reconciles without the lease), then a fresh one is started that
// campaigns for the lease again from scratch — never two at once.

import type { RunningOperator } from './operator.js';
import { Backoff, sleep } from './runtime/backoff.js';
import type { Logger } from './runtime/log.js';

export interface RestartingOperator {
  /** The operator running now. */
  current(): RunningOperator;
  /** How many times it was started again after a lost lease. */
  restarts(): number;
  /** Resolves once the operator running now leads (after a restart: the new one). */
  leading(): Promise<void>;
  /** Stops the operator running now and starts no other. */
  stop(): Promise<void>;
}

export async function restartOnLeaseLoss(
  start: () => Promise<RunningOperator>,
  log: Logger,
): Promise<RestartingOperator> {
  let running = await start();
  let restarts = 0;
  let stopping = false;
  /** The hand-over in progress, which stop() waits for. */
  let handover: Promise<void> = Promise.resolve();
  const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000 });
  const stopped = new AbortController();

  const watch = (op: RunningOperator) => {
    void op.lost.then(() => {
      if (stopping) return;
      handover = restart(op);
    });
  };
  const restart = async (lost: RunningOperator) => {
    log.warn('the operator lost its lease: stopping its controllers and starting a fresh operator');
    await lost.stop();
    // The API server that made us lose the lease may still be away: try again until it answers.
    while (!stopping) {
      try {
        running = await start();
        restarts++;
        backoff.reset();
        watch(running);
        log.info({ restarts }, 'operator started again; waiting for the lease');
        return;
      } catch (err) {
        const delay = backoff.next();
        log.warn({ err: String(err), retryInMs: Math.round(delay) }, 'could not start the operator again');
        await sleep(delay, stopped.signal);
      }
    }
  };
  watch(running);

  return {
    current: () => running,
    restarts: () => restarts,
    leading: async () => {
      await handover;
      await running.leading;
    },
    async stop() {
      stopping = true;
      stopped.abort();
      await handover;
      await running.stop();
    },
  };
}
