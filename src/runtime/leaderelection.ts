// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm
// (tools/leaderelection + resourcelock.LeaseLock):
//
// - Candidates read the Lease every retryPeriod. One whose holder is someone else waits until the
//   lease has gone unrenewed for leaseDurationSeconds — measured by *our* clock from the moment
//   *we* saw the record change, never by comparing renewTime with our clock, so clock skew between
//   nodes cannot make a replica take a lease that is still being renewed.
// - Taking or renewing is a read followed by a replace carrying the resourceVersion that was
//   read: a compare-and-swap, so of two candidates racing for an expired lease exactly one
//   write succeeds and the other gets 409 Conflict. This is the one write in kubevdi that is not
//   server-side apply: an apply with force=true (needed to take fields another candidate
//   manages) is accepted for both racers, last writer wins, and both would believe they lead.
// - The leader renews every retryPeriod. If no renewal has succeeded for renewDeadline, or the
//   lease shows another holder, leadership is lost: onLost fires and the operator exits. Since
//   renewDeadline < leaseDuration and our deadline counts from the *start* of the last successful
//   renewal (before the write that others observe), we stop leading before anyone else may start.
// - release() hands the lease over at once (empty holder, leaseDurationSeconds 1), like
//   client-go's ReleaseOnCancel: a rolling update does not wait out a lease.
import {
  ApiException,
  type ConfigurationOptions,
  CoordinationV1Api,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  type V1Lease,
  type V1LeaseSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import { deadlineSignal, sleep } from './backoff.js';
import { makeApiClient } from './client.js';
import { type Logger, silentLogger } from './log.js';
import type { Metrics } from './metrics.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** Unique per replica (pod name plus something random); shown as the Lease's holder. */
  identity: string;
  /** How long a lease is valid after its last renewal; others take over after that. Whole seconds. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews. Default 2 s. */
  retryPeriodMs?: number;
  metrics?: Metrics;
  log?: Logger;
}

type Attempt = { result: 'acquired' } | { result: 'held'; holder: string } | { result: 'failed' };

type State = 'idle' | 'acquiring' | 'leading' | 'lost' | 'released';

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger;
  private state: State = 'idle';
  /** The lease record as last seen, and when (our monotonic clock) it was first seen so. */
  private observed: { record: string; atMs: number } | undefined;
  /** When the last successful renewal started. */
  private renewedAtMs = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  /** The acquire or renew attempt in flight, which release() lets finish (aborted) before it writes. */
  private inflight: Promise<unknown> = Promise.resolve();
  /** Aborts the acquire loop and any request in flight when release() is called. */
  private readonly released = new AbortController();
  private lostCallbacks: (() => void)[] = [];

  constructor(
    kc: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    const leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    // client-go's checks: each period must fit in the next, or leadership could overlap.
    if (
      !(leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs && this.retryPeriodMs > 0)
    ) {
      throw new Error('leader election: need leaseDurationMs > renewDeadlineMs > retryPeriodMs > 0');
    }
    this.leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    this.api = makeApiClient(kc, CoordinationV1Api, options.metrics);
    this.log = (options.log ?? silentLogger).child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  get isLeader(): boolean {
    return this.state === 'leading';
  }

  /**
   * Resolves when this replica holds the lease; it is then renewed in the background until
   * release() or loss. Rejects when `signal` aborts or release() is called first.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.state !== 'idle') throw new Error(`leader election: acquire() while ${this.state}`);
    this.state = 'acquiring';
    const stop = signal ? AbortSignal.any([signal, this.released.signal]) : this.released.signal;
    this.log.info('waiting to acquire the leader lease');
    try {
      for (;;) {
        if (stop.aborted) throw stopReason(signal, 'before acquiring the lease');
        const startedAt = performance.now();
        const attempt = this.attemptAcquire(stop);
        this.inflight = attempt;
        if ((await attempt).result === 'acquired') return this.lead(startedAt);
        // Jittered within [0.8, 1] × retryPeriod: candidates spread out, and a released lease is
        // still taken within one retry period.
        await sleep(this.retryPeriodMs * (1 - 0.2 * Math.random()), stop);
      }
    } catch (err) {
      if (this.state === 'acquiring') this.state = 'idle';
      throw err;
    }
  }

  private async attemptAcquire(stop: AbortSignal): Promise<Attempt> {
    const deadline = deadlineSignal(stop, this.renewDeadlineMs);
    try {
      const attempt = await this.tryAcquireOrRenew(deadline.signal);
      // Acquired just as we were told to stop: hand it straight back.
      if (attempt.result === 'acquired' && stop.aborted) {
        await this.giveUp();
        return { result: 'failed' };
      }
      return attempt;
    } finally {
      deadline.dispose();
    }
  }

  /** Called once, when leadership is lost (not after release()). */
  onLost(callback: () => void): void {
    if (this.state === 'lost') queueMicrotask(callback);
    else this.lostCallbacks.push(callback);
  }

  /** Stops renewing and gives the lease up at once, so another replica takes over without waiting. */
  async release(): Promise<void> {
    if (this.state === 'released') return;
    // After a loss the lease may still name us (renewals failed but nobody took over yet).
    const mayHold = this.state === 'leading' || this.state === 'lost';
    this.state = 'released';
    clearTimeout(this.renewTimer);
    this.released.abort();
    this.options.metrics?.leader.set(0);
    await this.inflight;
    if (mayHold) await this.giveUp();
  }

  private lead(renewedAtMs: number): void {
    this.state = 'leading';
    this.renewedAtMs = renewedAtMs;
    this.options.metrics?.leader.set(1);
    this.log.info('acquired the leader lease');
    this.scheduleRenew(this.retryPeriodMs);
  }

  private scheduleRenew(delayMs: number): void {
    // Background duty, not a reason for the process to live on.
    this.renewTimer = setTimeout(() => {
      this.inflight = this.renew();
    }, delayMs).unref();
  }

  private async renew(): Promise<void> {
    if (this.state !== 'leading') return;
    const startedAt = performance.now();
    const deadline = this.renewedAtMs + this.renewDeadlineMs;
    if (startedAt >= deadline) return this.lose(`no renewal succeeded for ${this.renewDeadlineMs} ms`);
    const attemptDeadline = deadlineSignal(this.released.signal, deadline - startedAt);
    let attempt: Attempt;
    try {
      attempt = await this.tryAcquireOrRenew(attemptDeadline.signal);
    } finally {
      attemptDeadline.dispose();
    }
    if (this.state !== 'leading') return;
    if (attempt.result === 'acquired') {
      this.renewedAtMs = startedAt;
      return this.scheduleRenew(this.retryPeriodMs);
    }
    if (attempt.result === 'held') return this.lose(`the lease is held by ${attempt.holder}`);
    // Retry, but wake up at the deadline at the latest to give up on time.
    this.scheduleRenew(Math.max(0, Math.min(this.retryPeriodMs, deadline - performance.now())));
  }

  private lose(why: string): void {
    this.state = 'lost';
    clearTimeout(this.renewTimer);
    this.options.metrics?.leader.set(0);
    this.log.error({ why }, 'lost the leader lease');
    const callbacks = this.lostCallbacks;
    this.lostCallbacks = [];
    for (const callback of callbacks) {
      try {
        callback();
      } catch (err) {
        this.log.error({ err }, 'an onLost callback threw');
      }
    }
  }

  /** One round of client-go's tryAcquireOrRenew. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const { name, namespace, identity } = this.options;
    const options = abortWith(signal);
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace }, options);
    } catch (err) {
      if (statusOf(err) === 404) return this.create(now, options, signal);
      return this.failed('could not read the lease', err, signal);
    }
    const spec = lease.spec ?? {};
    this.observe(spec);
    const holder = spec.holderIdentity ?? '';
    if (holder && holder !== identity && !this.expired(spec)) return { result: 'held', holder };

    const ours = holder === identity;
    const body: V1Lease = {
      ...lease, // metadata.resourceVersion makes the replace a compare-and-swap
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        acquireTime: ours && spec.acquireTime ? new V1MicroTime(spec.acquireTime) : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    try {
      this.observe((await this.api.replaceNamespacedLease({ name, namespace, body }, options)).spec ?? {});
    } catch (err) {
      return this.failed('could not update the lease', err, signal);
    }
    if (!ours) this.log.info({ previousHolder: holder || undefined }, 'took over the leader lease');
    return { result: 'acquired' };
  }

  private async create(now: V1MicroTime, options: ConfigurationOptions, signal: AbortSignal): Promise<Attempt> {
    const { name, namespace, identity } = this.options;
    const body: V1Lease = {
      metadata: { name, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
    try {
      this.observe((await this.api.createNamespacedLease({ namespace, body }, options)).spec ?? {});
      return { result: 'acquired' };
    } catch (err) {
      return this.failed('could not create the lease', err, signal);
    }
  }

  /** Best effort: if we still hold the lease, hand it over now; otherwise it expires on its own. */
  private async giveUp(): Promise<void> {
    const { name, namespace, identity } = this.options;
    // AbortSignal.timeout takes whole milliseconds only (RangeError otherwise).
    const options = abortWith(AbortSignal.timeout(Math.ceil(this.renewDeadlineMs)));
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace }, options);
      if (lease.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      const body: V1Lease = {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      };
      await this.api.replaceNamespacedLease({ name, namespace, body }, options);
      this.log.info('released the leader lease');
    } catch (err) {
      this.log.warn({ err: describe(err) }, 'could not release the leader lease; it will expire');
    }
  }

  private observe(spec: V1LeaseSpec): void {
    // Timestamps come back as the server's strings (client-node does not parse MicroTime).
    const record = JSON.stringify([
      spec.holderIdentity,
      spec.renewTime,
      spec.acquireTime,
      spec.leaseDurationSeconds,
      spec.leaseTransitions,
    ]);
    if (this.observed?.record !== record) this.observed = { record, atMs: performance.now() };
  }

  /** Unrenewed for its duration since we saw it change: a lease others may take. */
  private expired(spec: V1LeaseSpec): boolean {
    const seenAt = this.observed?.atMs ?? performance.now();
    return performance.now() >= seenAt + (spec.leaseDurationSeconds ?? 0) * 1000;
  }

  private failed(what: string, err: unknown, signal: AbortSignal): Attempt {
    // A conflict is a lost race with another candidate, a normal event; an abort is ours (release,
    // or the renew deadline, which lose() reports).
    const level = statusOf(err) === 409 || signal.aborted ? 'debug' : 'warn';
    this.log[level]({ err: describe(err) }, what);
    return { result: 'failed' };
  }
}

/**
 * Per-request options that abort the request when `signal` does. The RequestContext carries the
 * signal to fetch; the middleware has client-node's Observable form, as setHeaderOptions does.
 */
function abortWith(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (rsp) => new Observable(Promise.resolve(rsp)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? safeParse(err.body) : err.body;
    return `HTTP ${err.code}: ${body?.message ?? String(err.body)}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeParse(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stopReason(signal: AbortSignal | undefined, when: string): unknown {
  return signal?.aborted ? signal.reason : new Error(`leader election released ${when}`);
}
