// What desktops cost and how people fare, from the informers' view of desktops, pools and claims:
// the desktop-seconds counters and the per-pool gauges of metrics.ts, and each pool's last day
// hour by hour in its status (status.usage) for the Admin Portal. Only the leader runs it, so
// replicas never count one desktop twice. Nothing polls the API server: time is charged when a
// desktop changes and just before every scrape; the hours are written when an hour has ended
// (noticed by a timer at the hour, or by any change or scrape after it) and when the leader stops.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { DesktopClaim } from '../api/desktopclaim.js';
import { HOUR_MS, type HourUsage, hourStart } from '../api/pool-usage.js';
import { POOLS, type VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { type Clock, systemClock } from '../runtime/clock.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { inParallel } from '../runtime/parallel.js';
import type { WriteStatus } from '../runtime/status.js';
import { claimChange, claimRow, countRows, FAILED_REASONS, isReady } from './claim-signals.js';
import { type Charge, chargeSeconds, DesktopLedger, placeOf } from './desktop-seconds.js';
import { mergeHours, newerHours, UnwrittenHours } from './usage-hours.js';

type Pool = VirtualDesktopPool & KubernetesObject;
type Claim = DesktopClaim & KubernetesObject;

export interface DesktopUsageDeps {
  desktops: Informer<VirtualMachine>;
  pools: Informer<Pool>;
  claims: Informer<Claim>;
  metrics: Metrics;
  /** Writes `status.usage` of pools only, as a field manager of its own. */
  writeStatus: WriteStatus;
  log: Logger;
  /**
   * The wall clock desktop time is measured by: the system's, or a test's that moves (a simulated
   * day is then counted as a day). A person's wait for a desktop is measured on the process's own.
   */
  clock?: Clock;
}

/** Pool status writes in flight at once at an hour's end. */
const WRITE_CONCURRENCY = 4;
/** A little past the hour, so the timer never fires a hair before it by a drifting clock. */
const AFTER_THE_HOUR_MS = 1000;

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** The warm desktops the pool aims for now. */
function warmTargetOf(pool: Pool): number {
  return pool.spec?.prestarted ?? 0;
}

export class DesktopUsage {
  private readonly ledger = new DesktopLedger();
  private readonly unwritten = new UnwrittenHours();
  /** What this process last wrote per pool, until the watch brings it back. */
  private readonly written = new Map<string, readonly HourUsage[]>();
  /** Claims seen appearing and not ready yet: uid → when (process clock). */
  private readonly waiting = new Map<string, number>();
  /** Pools (namespace/name) whose claim series exist. */
  private readonly started = new Set<string>();
  private readonly clock: Clock;
  private active = false;
  /** Hours that began before this are written (or being written). */
  private writtenBefore = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopCollect: (() => void) | undefined;

  constructor(private readonly deps: DesktopUsageDeps) {
    this.clock = deps.clock ?? systemClock;
    // Handlers cannot be removed from an informer: registered once, they act only while leading.
    const whileActive =
      <A extends unknown[]>(handle: (...args: A) => void) =>
      (...args: A) => {
        if (this.active) handle(...args);
      };
    const onDesktop = whileActive((vm: VirtualMachine) => this.observeDesktop(vm));
    deps.desktops.on('add', onDesktop);
    deps.desktops.on('update', onDesktop);
    deps.desktops.on(
      'delete',
      whileActive((vm: VirtualMachine) => this.charge(this.ledger.observe(keyOf(vm), undefined, this.now()))),
    );
    deps.claims.on(
      'add',
      whileActive((claim: Claim) => this.claimAppeared(claim)),
    );
    deps.claims.on(
      'update',
      whileActive((claim: Claim, old?: Claim) => this.claimChanged(claim, old)),
    );
    deps.claims.on('delete', (claim) => {
      this.waiting.delete(claim.metadata?.uid ?? '');
    });
  }

  /** Starts counting from what the caches show now (on winning the lease). */
  start(): void {
    if (this.active) return;
    this.active = true;
    const now = this.now();
    this.writtenBefore = hourStart(now);
    for (const vm of this.deps.desktops.list()) this.observeDesktop(vm);
    this.stopCollect = this.deps.metrics.onCollect(() => this.collect());
    this.armTimer();
  }

  /** Charges the time up to now and writes every pool's hours, the current one too, for the next leader to add to. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.charge(this.ledger.settle(this.now()));
    this.active = false;
    clearTimeout(this.timer);
    this.stopCollect?.();
    await this.write(Number.POSITIVE_INFINITY);
    this.ledger.clear();
    this.unwritten.clear();
    this.waiting.clear();
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private observeDesktop(vm: VirtualMachine): void {
    this.charge(this.ledger.observe(keyOf(vm), placeOf(vm), this.now()));
  }

  private charge(charges: Charge[]): void {
    for (const charge of charges) {
      this.deps.metrics.desktopSeconds.inc(charge.place, chargeSeconds(charge));
      this.unwritten.add(charge);
    }
    this.writeEndedHours();
  }

  private claimAppeared(claim: Claim): void {
    if (!isReady(claim) && claim.metadata?.uid) this.waiting.set(claim.metadata.uid, Date.now());
  }

  private claimChanged(claim: Claim, old: Claim | undefined): void {
    const uid = claim.metadata?.uid ?? '';
    const change = claimChange(old, claim, Date.now(), this.waiting.get(uid));
    const row = claimRow(claim);
    if (row && (change.readyAfterSeconds !== undefined || change.failed)) {
      const labels = { namespace: row.namespace, pool: row.pool };
      this.startSeries(labels);
      if (change.readyAfterSeconds !== undefined)
        this.deps.metrics.claimReady.observe(labels, change.readyAfterSeconds);
      if (change.failed) this.deps.metrics.claimsFailed.inc({ ...labels, reason: change.failed });
    }
    if (isReady(claim) || claim.status?.phase === 'Failed') this.waiting.delete(uid);
  }

  /**
   * A pool's claim series exist from the start, at 0: Prometheus's increase() and rate() cannot
   * see the first event of a series that appears with it.
   */
  private startSeries(labels: { namespace: string; pool: string }): void {
    const key = `${labels.namespace}/${labels.pool}`;
    if (this.started.has(key)) return;
    this.started.add(key);
    this.deps.metrics.claimReady.zero(labels);
    for (const reason of FAILED_REASONS) this.deps.metrics.claimsFailed.inc({ ...labels, reason }, 0);
  }

  /** Before a scrape: the time up to now, and the gauges as the caches show them. */
  private collect(): void {
    if (!this.active) return;
    this.charge(this.ledger.settle(this.now()));
    const { metrics, pools, claims } = this.deps;
    metrics.desktops.reset();
    for (const { place, desktops } of this.ledger.counts()) metrics.desktops.set(place, desktops);
    metrics.warmTarget.reset();
    metrics.poolCondition.reset();
    for (const pool of pools.list()) {
      const labels = { namespace: pool.metadata?.namespace as string, pool: pool.metadata?.name as string };
      this.startSeries(labels);
      metrics.warmTarget.set(labels, warmTargetOf(pool));
      for (const condition of pool.status?.conditions ?? []) {
        for (const status of ['True', 'False', 'Unknown']) {
          metrics.poolCondition.set(
            { ...labels, condition: condition.type, status: status.toLowerCase() },
            condition.status === status ? 1 : 0,
          );
        }
      }
    }
    metrics.claims.reset();
    for (const { row, claims: n } of countRows(claims.list().map(claimRow))) metrics.claims.set({ ...row }, n);
  }

  /** Once an hour has ended, its seconds go to the pools' status. */
  private writeEndedHours(): void {
    const hour = hourStart(this.now());
    if (!this.active || hour <= this.writtenBefore) return;
    this.writtenBefore = hour;
    void this.write(hour);
  }

  /** Writes the pools' hours that began before `beforeMs`, one write after another finishes. */
  private write(beforeMs: number): Promise<void> {
    this.writing = this.writing.then(() => this.writeNow(beforeMs));
    return this.writing;
  }

  private async writeNow(beforeMs: number): Promise<void> {
    const nowMs = this.now();
    let failed = false;
    await inParallel(
      this.unwritten.poolsWithHoursBefore(beforeMs),
      async (key) => {
        const [namespace, name] = key.split('/') as [string, string];
        const taken = this.unwritten.take(key, beforeMs);
        const pool = this.deps.pools.get(namespace, name);
        if (!pool) {
          this.written.delete(key); // deleted: nobody to tell
          return;
        }
        const hours = mergeHours(newerHours(pool.status?.usage?.hours ?? [], this.written.get(key)), taken, nowMs);
        try {
          await this.deps.writeStatus(POOLS, pool, { usage: { hours } });
          this.written.set(key, hours);
        } catch (err) {
          this.unwritten.putBack(key, taken);
          failed = true;
          this.deps.log.warn(
            { err, pool: key },
            "could not write the pool's usage; tried again at the next change or scrape",
          );
        }
      },
      WRITE_CONCURRENCY,
    );
    // Lets the next change or scrape try again.
    if (failed && Number.isFinite(beforeMs)) this.writtenBefore = Math.min(this.writtenBefore, beforeMs - HOUR_MS);
  }

  /** Wakes at the next hour, in case nothing changes and nobody scrapes. */
  private armTimer(): void {
    const now = this.now();
    const next = hourStart(now) + HOUR_MS - now + AFTER_THE_HOUR_MS;
    this.timer = setTimeout(() => {
      if (!this.active) return;
      this.charge(this.ledger.settle(this.now()));
      this.armTimer();
    }, next);
    this.timer.unref();
  }
}
