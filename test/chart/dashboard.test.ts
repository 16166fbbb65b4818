// The chart's Grafana dashboard: JSON Grafana can load, and every query one Prometheus can run
// against what the operator really exports — it fails when a metric is renamed or a query is
// mistyped. (The PrometheusRule is checked the same way in chart.integration.test.ts, rendered by helm.)
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import { type MetricType, operatorSeries, readPromQL, withGrafanaVariables } from '../support/promql.js';

interface Panel {
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

const FILE = path.join(REPO_ROOT, 'charts/kubevdi/dashboards/kubevdi.json');
let dashboard: Dashboard;
let exported: Map<string, MetricType>;
beforeAll(async () => {
  dashboard = JSON.parse(await readFile(FILE, 'utf8')) as Dashboard;
  exported = await operatorSeries();
});

const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const queries = () => [
  ...panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
  ...dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => ({
      where: `variable ${v.name}`,
      // label_values(selector, label) is Grafana's, not PromQL: its selector is.
      expr: (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')).replace(
        /^label_values\((.*), \w+\)$/,
        '$1',
      ),
    })),
];

describe("the chart's Grafana dashboard", () => {
  it('is JSON Grafana loads: a uid, titled panels with descriptions, on a 24-column grid', () => {
    expect(dashboard.uid).toBe('kubevdi-overview');
    for (const panel of panels(dashboard.panels)) {
      expect(panel.title, JSON.stringify(panel.gridPos)).toBeTruthy();
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type !== 'row') expect(panel.description, panel.title).toBeTruthy();
      const refs = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refs).size, panel.title).toBe(refs.length);
    }
  });

  it('queries only what the operator exports, in PromQL that the Prometheus parser reads', () => {
    const read = new Set<string>();
    for (const { where, expr } of queries()) {
      const reading = readPromQL(withGrafanaVariables(expr), exported);
      expect(reading.errors, `${where}: ${expr}`).toEqual([]);
      expect(reading.problems, `${where}: ${expr}`).toEqual([]);
      expect(reading.metrics.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of reading.metrics) read.add(name);
    }
    // The cost, the people and the operator: what the dashboard is for.
    for (const name of [
      'kubevdi_desktop_seconds_total',
      'kubevdi_desktops',
      'kubevdi_pool_warm_target',
      'kubevdi_claims',
      'kubevdi_claim_ready_duration_seconds_bucket',
      'kubevdi_claims_failed_total',
      'kubevdi_pool_status_condition',
      'kubevdi_reconcile_total',
      'kubevdi_leader',
    ]) {
      expect(read).toContain(name);
    }
  });

  it('catches what it is there to catch: a renamed metric, a typo, rate() of a gauge', () => {
    expect(readPromQL('sum(kubevdi_desktop_hours_total)', exported).problems).toEqual([
      'kubevdi_desktop_hours_total is not exported',
    ]);
    expect(readPromQL('sum by (pool) rate(kubevdi_desktops[5m])', exported).errors).not.toEqual([]);
    expect(readPromQL('rate(kubevdi_desktops[5m])', exported).problems).toEqual([
      'rate() of kubevdi_desktops, a gauge',
    ]);
    expect(readPromQL('histogram_quantile(0.9, kubevdi_claims)', exported).problems).toContain(
      'histogram_quantile() of no buckets: (0.9, kubevdi_claims)',
    );
  });
});
