// PromQL as the Prometheus project's own parser reads it (@prometheus-io/lezer-promql, the grammar
// of Prometheus's web UI): syntax errors, the metrics an expression reads, and the mistakes a
// grammar alone lets through that matter here — rate() or increase() of something that is not a
// counter, histogram_quantile() of something that is not a histogram's buckets.
import { parser } from '@prometheus-io/lezer-promql';
import { Metrics } from '../../src/runtime/metrics.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** The series names a /metrics page can have, each with the type of its family (a histogram's _bucket, _sum, _count). */
export function seriesNames(metricsText: string): Map<string, MetricType> {
  const names = new Map<string, MetricType>();
  for (const [, family, type] of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const name = family as string;
    const kind = type as MetricType;
    if (kind === 'histogram' || kind === 'summary') {
      for (const suffix of ['_sum', '_count', ...(kind === 'histogram' ? ['_bucket'] : [])])
        names.set(`${name}${suffix}`, kind);
      if (kind === 'summary') names.set(name, kind);
    } else names.set(name, kind);
  }
  return names;
}

/** Every series the operator exports, from the registry its /metrics serves. */
export async function operatorSeries(): Promise<Map<string, MetricType>> {
  return seriesNames(await new Metrics().registry.metrics());
}

/** Grafana's variables as a query reaches Prometheus: $__rate_interval and friends become durations. */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, (_, name: string) => `${name}`);
}

export interface PromQLReading {
  /** Where the parser found an error (character offsets), empty when it reads the whole expression. */
  errors: number[];
  /** Metric names of the expression's selectors. */
  metrics: string[];
  /** Mistakes of meaning: rate() of a gauge, histogram_quantile() of no buckets. */
  problems: string[];
}

const RATE_LIKE = new Set(['Rate', 'Increase', 'Irate']);

export function readPromQL(expr: string, exported?: Map<string, MetricType>): PromQLReading {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  const metrics: string[] = [];
  const problems: string[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) metrics.push(text(id.from, id.to));
      }
      if (node.name === 'FunctionCall') {
        const fn = node.node.getChild('FunctionIdentifier')?.firstChild?.name ?? '';
        const body = node.node.getChild('FunctionCallBody');
        const inner = body ? text(body.from, body.to) : '';
        const named = [...inner.matchAll(/\b(kubevdi_[a-z_]+)/g)].map((m) => m[1] as string);
        if (RATE_LIKE.has(fn)) {
          if (!body?.getChild('MatrixSelector')) problems.push(`${fn.toLowerCase()}() needs a range: ${inner}`);
          for (const name of named) {
            const type = exported?.get(name);
            if (
              type &&
              type !== 'counter' &&
              !name.endsWith('_bucket') &&
              !name.endsWith('_count') &&
              !name.endsWith('_sum')
            )
              problems.push(`${fn.toLowerCase()}() of ${name}, a ${type}`);
          }
        }
        if (fn === 'HistogramQuantile' && !named.some((n) => n.endsWith('_bucket')))
          problems.push(`histogram_quantile() of no buckets: ${inner}`);
      }
    },
  });
  if (exported) {
    for (const name of metrics) if (!exported.has(name)) problems.push(`${name} is not exported`);
  }
  return { errors, metrics, problems };
}
