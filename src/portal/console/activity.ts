// An open console counts as activity: at open and every minute while it stays open, the portal
// says so on the claim that holds the desktop (the desktop's kubevdi.io/claim annotation names
// it; the person may get their desktop), as the person, with the one change users may make to
// their claim. Failures never touch the console: a pool admin's console on someone else's
// desktop, or a sign-in that ran out meanwhile, is simply not counted.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { CLAIM_ANNOTATION } from '../../api/annotations.js';
import { reportActivity } from '../activity.js';
import { readVm } from '../vms.js';

export const CONSOLE_ACTIVITY_INTERVAL_MS = 60_000;

/** Starts reporting; the returned function stops it (call it when the console closes). */
export function reportConsoleActivity(
  kc: KubeConfig,
  namespace: string,
  desktop: string,
  log: FastifyBaseLogger,
  intervalMs = CONSOLE_ACTIVITY_INTERVAL_MS,
): () => void {
  let stopped = false;
  const report = async () => {
    try {
      // Read each time: the desktop may have been given back and bound to another claim.
      const claim = (await readVm(kc, namespace, desktop))?.metadata?.annotations?.[CLAIM_ANNOTATION];
      if (!claim || stopped) return;
      await reportActivity(kc, namespace, claim);
    } catch (err) {
      log.debug(
        { console: `${namespace}/${desktop}`, cause: err instanceof Error ? err.message : String(err) },
        'could not report console activity',
      );
    }
  };
  void report();
  const timer = setInterval(() => void report(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
