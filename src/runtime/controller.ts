// A controller: one primary kind, the kinds it watches mapped to primary keys, a work queue and a
// reconcile function that gets only a key. Event handlers only enqueue keys; reconcile reads the
// newest state from the caches (the controller-runtime contract).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Informer } from './informer.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { type ReconcileResult, WorkQueue } from './workqueue.js';

export type Key = string;

export function keyOf(obj: KubernetesObject): Key {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export function splitKey(key: Key): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Maps a watched object to the keys of the primaries it concerns. */
export type Mapper<T extends KubernetesObject> = (obj: T) => Key[];

/** The primary's key of an object owned (controller reference) by a primary of `kind`. */
export function ownerKey(kind: string): Mapper<KubernetesObject> {
  return (obj) => {
    const owner = obj.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === kind);
    return owner ? [`${obj.metadata?.namespace ?? ''}/${owner.name}`] : [];
  };
}

export interface ControllerOptions {
  name: string;
  workers?: number;
  /** See WorkQueueOptions.minIntervalMs. */
  minIntervalMs?: number;
  metrics: Metrics;
  log: Logger;
}

export class Controller {
  private readonly queue: WorkQueue;
  /** Every watched kind with the keys its objects concern: a resync goes through them all. */
  private readonly watched: { informer: Informer<KubernetesObject>; map: Mapper<KubernetesObject> }[] = [];

  constructor(
    private readonly options: ControllerOptions,
    reconcile: (key: Key, log: Logger) => Promise<ReconcileResult | undefined>,
  ) {
    const { name, metrics, log } = options;
    this.queue = new WorkQueue(
      async (key) => {
        const keyLog = log.child({ controller: name, key });
        const end = metrics.reconcileDuration.startTimer({ controller: name });
        try {
          const result = await reconcile(key, keyLog);
          metrics.reconciles.inc({ controller: name, result: result?.requeueAfterMs ? 'requeue' : 'success' });
          return result;
        } catch (err) {
          // Counted here; the queue logs it with the failure count and the retry delay.
          metrics.reconciles.inc({ controller: name, result: 'error' });
          throw err;
        } finally {
          end();
        }
      },
      { name, workers: options.workers ?? 4, minIntervalMs: options.minIntervalMs, metrics, log },
    );
  }

  /** The primary kind: every change of a primary enqueues its own key. */
  forPrimary<T extends KubernetesObject>(informer: Informer<T>): this {
    return this.watches(informer, (obj) => [keyOf(obj)]);
  }

  /** Another kind whose changes concern primaries (owned children, referenced objects). */
  watches<T extends KubernetesObject>(informer: Informer<T>, map: Mapper<T>): this {
    this.watched.push({
      informer: informer as unknown as Informer<KubernetesObject>,
      map: map as unknown as Mapper<KubernetesObject>,
    });
    const enqueue = (obj: T, old?: T) => {
      for (const key of map(obj)) this.queue.add(key);
      // A changed reference (e.g. a pool moved to another template) concerns the old one too.
      if (old) for (const key of map(old)) this.queue.add(key);
    };
    informer.on('add', (obj) => enqueue(obj));
    informer.on('update', (obj, old) => enqueue(obj, old));
    informer.on('delete', (obj) => enqueue(obj));
    return this;
  }

  enqueue(key: Key): void {
    this.queue.add(key);
  }

  /** Starts the workers and reconciles every key once (level-triggered: nothing is assumed). */
  start(): void {
    this.queue.start();
    this.resync();
    this.options.log.info({ controller: this.options.name }, 'controller started');
  }

  /**
   * Reconciles every key again (after the wall clock jumped: time-based decisions are due): those
   * of the primaries and those the other watched kinds concern, for a controller whose keys are not
   * an object's own (the claim controller works per pool, from claims as much as from pools).
   */
  resync(): void {
    for (const { informer, map } of this.watched)
      for (const obj of informer.list()) for (const key of map(obj)) this.queue.add(key);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }
}
