// Is a process still well after hostile input? Alive (its /healthz answers ok) and quiet once the
// input stops: over a window its reconciles (when it has a /metrics with kubevdi_reconcile_total)
// and CPU seconds stay near zero. A hot loop — a key requeued for ever, a watch restarting in a
// circle — shows as reconciles or CPU that keep climbing with nothing to do.
import { cpuSeconds } from '../../bench/harness/proc.js';

export async function healthy(healthUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${healthUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Sum of kubevdi_reconcile_total over controllers and results. */
export async function reconcileTotal(healthUrl: string): Promise<number> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^kubevdi_reconcile_total\{[^}]*\} (\d+)/gm)) sum += Number(m[1]);
  return sum;
}

export interface Quiet {
  windowMs: number;
  reconciles: number;
  cpuSeconds: number;
}

/** Reconciles (when metricsUrl is given) and CPU seconds of `pid` over `windowMs` of no input. */
export async function quietWindow(pid: number, windowMs: number, metricsUrl?: string): Promise<Quiet> {
  const before = { cpu: await cpuSeconds(pid), reconciles: metricsUrl ? await reconcileTotal(metricsUrl) : 0 };
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return {
    windowMs,
    reconciles: (metricsUrl ? await reconcileTotal(metricsUrl) : 0) - before.reconciles,
    cpuSeconds: Math.round(((await cpuSeconds(pid)) - before.cpu) * 100) / 100,
  };
}

/** A hot loop: more than a couple of reconciles, or more than a tenth of a core, in a quiet window. */
export function isHot(q: Quiet): boolean {
  return q.reconciles > 3 || q.cpuSeconds > (q.windowMs / 1000) * 0.1;
}
