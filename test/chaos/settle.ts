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

/** kubevdi_reconcile_total by controller and result, e.g. {"desktopclaim/success": 12}. */
export async function reconcileCounts(healthUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^kubevdi_reconcile_total\{controller="([^"]+)",result="([^"]+)"\} (\d+)/gm))
    counts[`${m[1]}/${m[2]}`] = Number(m[3]);
  return counts;
}

export interface Quiet {
  windowMs: number;
  reconciles: number;
  /** The reconciles by controller/result, when there were any. */
  by?: Record<string, number>;
  cpuSeconds: number;
}

/** Reconciles (when metricsUrl is given) and CPU seconds of `pid` over `windowMs` of no input. */
export async function quietWindow(pid: number, windowMs: number, metricsUrl?: string): Promise<Quiet> {
  const before = { cpu: await cpuSeconds(pid), counts: metricsUrl ? await reconcileCounts(metricsUrl) : {} };
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = metricsUrl ? await reconcileCounts(metricsUrl) : {};
  const by = Object.fromEntries(
    Object.entries(after)
      .map(([key, n]) => [key, n - (before.counts[key] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  return {
    windowMs,
    reconciles: Object.values(by).reduce((a, b) => a + b, 0),
    ...(Object.keys(by).length ? { by } : {}),
    cpuSeconds: Math.round(((await cpuSeconds(pid)) - before.cpu) * 100) / 100,
  };
}

/** A hot loop: more than a couple of reconciles, or more than a tenth of a core, in a quiet window. */
export function isHot(q: Quiet): boolean {
  return q.reconciles > 3 || q.cpuSeconds > (q.windowMs / 1000) * 0.1;
}

/**
 * Waits for the process to go quiet after input stopped: windows of `windowMs` until one is not
 * hot, at most `limitMs` in all. Returns the last window and how long settling took; a process
 * still hot at the limit is looping.
 */
export async function settle(
  pid: number,
  metricsUrl: string | undefined,
  { windowMs = 5000, limitMs = 60_000 } = {},
): Promise<Quiet & { settledAfterMs: number; hot: boolean }> {
  const began = Date.now();
  for (;;) {
    const q = await quietWindow(pid, windowMs, metricsUrl);
    const hot = isHot(q);
    if (!hot || Date.now() - began >= limitMs) return { ...q, settledAfterMs: Date.now() - began, hot };
  }
}
