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
    help: '1 while this replica leads: it holds the leader lease, or runs alone without leader election.',
    registers: [this.registry],
  });

  // What desktops cost and how people fare, per pool (desktop-usage.ts keeps them). `namespace` is
  // the pool's, as in kube-state-metrics: a ServiceMonitor scraping them needs honorLabels.
  // Only the leader exports them, so summing over replicas never counts a desktop twice.

  /** Runs before each scrape of desktopSeconds: charges the time since the last change, so the counter is exact without timers. */
  private readonly beforeCollect: (() => void)[] = [];

  readonly desktopSeconds = new Counter({
    name: 'kubevdi_desktop_seconds_total',
    help: "Desktop-seconds by pool and state: running-held (powered on, held by a user), running-free (powered on, nobody holds it: the warm buffer), halted (powered off; its disks remain). A VM counts as running from KubeVirt's Starting to its Stopping.",
    labelNames: ['namespace', 'pool', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      for (const settle of this.beforeCollect) settle();
    },
  });

  readonly desktops = new Gauge({
    name: 'kubevdi_desktops',
    help: 'Desktops by pool and state (running-held, running-free, halted), as kubevdi_desktop_seconds_total counts them now.',
    labelNames: ['namespace', 'pool', 'state'] as const,
    registers: [this.registry],
  });

  readonly warmTarget = new Gauge({
    name: 'kubevdi_pool_warm_target',
    help: 'Free desktops the pool keeps powered on and ready now (its warm buffer).',
    labelNames: ['namespace', 'pool'] as const,
    registers: [this.registry],
  });

  readonly poolCondition = new Gauge({
    name: 'kubevdi_pool_status_condition',
    help: "The pool's conditions (Available, Progressing, Degraded): 1 for the status the condition has, 0 for the others.",
    labelNames: ['namespace', 'pool', 'condition', 'status'] as const,
    registers: [this.registry],
  });

  readonly claims = new Gauge({
    name: 'kubevdi_claims',
    help: 'DesktopClaims by pool, phase (Pending: people waiting; Bound, Released, Failed) and the reason of their Bound condition (PoolExhausted, UserLimitReached, DesktopBound...).',
    labelNames: ['namespace', 'pool', 'phase', 'reason'] as const,
    registers: [this.registry],
  });

  readonly claimReady = new Histogram({
    name: 'kubevdi_claim_ready_duration_seconds',
    help: "Time to a desktop: from a DesktopClaim's creation until its desktop is running and ready, by pool.",
    labelNames: ['namespace', 'pool'] as const,
    buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  readonly claimsFailed = new Counter({
    name: 'kubevdi_claims_failed_total',
    help: 'DesktopClaims that ended Failed (they will never get a desktop), by pool and reason (UserLimitReached, PoolDeleted).',
    labelNames: ['namespace', 'pool', 'reason'] as const,
    registers: [this.registry],
  });

  /** `settle` runs before every scrape, first thing; the returned function stops that. */
  onCollect(settle: () => void): () => void {
    this.beforeCollect.push(settle);
    return () => {
      const at = this.beforeCollect.indexOf(settle);
      if (at >= 0) this.beforeCollect.splice(at, 1);
    };
  }

  /** Counts one request to the API server. `code` 0 means no response (network error). */
  countRequest(verb: string, code: number): void {
    this.apiRequests.inc({ verb, code: String(code) });
  }
}

/** The write verbs: an idle operator makes none of them. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'apply', 'delete'] as const;
