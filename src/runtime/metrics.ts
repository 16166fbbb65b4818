// The operator's Prometheus metrics, in one registry per operator process (tests create several).
// Names follow controller-runtime's where one exists, so existing dashboards read them.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResult = 'success' | 'error' | 'requeue';

export class Metrics {
  readonly registry = new Registry();

  readonly reconciles = new Counter({
    name: 'kubevdi_reconcile_total',
    help: 'Reconciles by controller and result (success, error, requeue).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'kubevdi_reconcile_duration_seconds',
    help: 'How long one reconcile took, by controller.',
    labelNames: ['controller'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'kubevdi_workqueue_depth',
    help: 'Keys waiting in the work queue (not counting those being reconciled or backing off), by queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly queueRetries = new Counter({
    name: 'kubevdi_workqueue_retries_total',
    help: 'Keys put back with backoff after an error, by queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly apiRequests = new Counter({
    name: 'kubevdi_api_requests_total',
    help: 'Requests to the Kubernetes API server by verb (get, list, watch, create, update, patch, apply, delete) and HTTP status code.',
    labelNames: ['verb', 'code'] as const,
    registers: [this.registry],
  });

  readonly watchRestarts = new Counter({
    name: 'kubevdi_watch_restarts_total',
    help: 'Watches restarted, by resource and reason (closed, expired, error, silent).',
    labelNames: ['resource', 'reason'] as const,
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'kubevdi_leader',
    help: '1 while this replica holds the leader lease.',
    registers: [this.registry],
  });

  /** Counts one request to the API server. `code` 0 means no response (network error). */
  countRequest(verb: string, code: number): void {
    this.apiRequests.inc({ verb, code: String(code) });
  }
}

/** The write verbs: an idle operator makes none of them. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'apply', 'delete'] as const;
