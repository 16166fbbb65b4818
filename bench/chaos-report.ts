// The table docs/CHAOS.md shows, from what `npm run chaos` collected (bench/chaos.ts): one row per
// campaign and fault, in the terms — inputs tried, faults injected, invariants checked,
// violations, time to converge — and what else each measured. Pure.

interface Ms {
  median: number;
  max: number;
}
// biome-ignore lint/suspicious/noExplicitAny: the campaigns' JSON, read field by field
type Json = any;

const ms = (m: Ms | undefined) =>
  !m
    ? '—'
    : m.max < 1000
      ? `${m.median} ms / ${m.max} ms`
      : `${(m.median / 1000).toFixed(1)} s / ${(m.max / 1000).toFixed(1)} s`;
const n = (x: unknown) => (typeof x === 'number' ? x.toLocaleString('en') : '—');

function medianMax(values: number[] | undefined): Ms | undefined {
  if (!values?.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.ceil(sorted.length / 2) - 1] as number, max: sorted[sorted.length - 1] as number };
}

export function chaosTable(results: Record<string, Json>): string {
  const rows: string[][] = [];
  const s = results.sigkill;
  if (s)
    rows.push([
      'SIGKILL of the operator under load',
      '—',
      n(s.kills),
      n(s.invariantChecks),
      n(s.violations?.length),
      ms(medianMax(s.convergeMs)),
      `load: ${n(s.actions?.create)} claims made, ${n(s.actions?.delete)} deleted, ${n(s.actions?.scale)} scalings`,
    ]);
  const a = results['api-fuzz'];
  if (a)
    rows.push([
      'Fuzz through the API server',
      n(a.tried),
      '—',
      '—',
      n(
        a.refusedVague.length +
          a.notReconciled.length +
          a.serverErrors.length +
          a.leftovers.length +
          a.operatorCrashes +
          a.hotLoops,
      ),
      '—',
      `refused naming the field ${n(a.refusedNamingField)} (of which 500 from server-side apply ${n(a.typedPatch500)}), refused vaguely ${n(a.refusedVague.length)}, accepted ${n(a.accepted)} and reconciled ${n(a.reconciled)}, 5xx ${n(a.serverErrors.length)}, crashes ${n(a.operatorCrashes)}, hot loops ${n(a.hotLoops)}, leftovers ${n(a.leftovers.length)}`,
    ]);
  const p = results['portal-fuzz'];
  if (p) {
    const findings = Object.entries(p.findings ?? {})
      .map(([id, examples]) => `${id} ${n((examples as unknown[]).length)}`)
      .join(', ');
    rows.push([
      'Fuzz through the portal',
      n(p.tried),
      '—',
      '—',
      n(
        p.refusedVague.length +
          p.notReconciled.length +
          p.serverErrors.length +
          p.portalCrashes +
          p.operatorCrashes +
          p.hotLoops,
      ),
      '—',
      `refused naming the field ${n(p.refusedNamingField)}, malformed requests refused 400 ${n(p.refusedMalformed)}, too large 413 ${n(p.refusedTooLarge)}, findings (${findings || 'none'}), refused vaguely ${n(p.refusedVague.length)}, written ${n(p.accepted)} (objects reconciled ${n(p.reconciled)}), 5xx ${n(p.serverErrors.length)}, crashes ${n(p.portalCrashes + p.operatorCrashes)}, hot loops ${n(p.hotLoops)}`,
    ]);
  }
  const f = results.faults ?? {};
  if (f.apiServer)
    rows.push([
      'API server frozen 3–8 s or SIGKILLed and restarted, under load',
      '—',
      n(f.apiServer.faults),
      n(f.apiServer.invariantChecks),
      n(f.apiServer.violations.length),
      ms(f.apiServer.convergeMs),
      `operator restarts 0, creates answered 409 ${n(f.apiServer.createConflicts)}, writes once quiet ${n(f.apiServer.idleWritesAfter)}, lists ${n(f.apiServer.lists)}`,
    ]);
  if (f.etcd)
    rows.push([
      'etcd frozen 2–5 s or SIGKILLed and restarted, then compacted',
      '—',
      n(f.etcd.faults),
      n(f.etcd.invariantChecks),
      n(f.etcd.violations.length),
      ms(f.etcd.convergeMs),
      `lists ${n(f.etcd.lists)}, watch restarts ${JSON.stringify(f.etcd.watchRestarts)}`,
    ]);
  if (f.virtApi)
    rows.push([
      'KubeVirt subresource API down',
      '—',
      n(f.virtApi.faults),
      n(f.virtApi.invariantChecks),
      n(f.virtApi.violations.length),
      '—',
      `released 0; conditions seen ${f.virtApi.claimConditionsSeen.join(', ')}; none says so (finding)`,
    ]);
  if (f.portal)
    rows.push([
      'Portal replica SIGKILLed, streams open',
      '—',
      n(f.portal.faults),
      n(f.portal.reconnected),
      n(f.portal.people - f.portal.reconnected),
      ms(f.portal.reconnectMs),
      `${n(f.portal.people)} people with a stream open went on through the other replica, signed in again ${n(f.portal.signedInAgain)}`,
    ]);
  const head = [
    'Campaign',
    'Inputs tried',
    'Faults injected',
    'Invariants checked',
    'Violations',
    'Converge median / max',
    'Also measured',
  ];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
