// Kubernetes Events on our objects, for what a person should see in `kubectl describe`
// (DesktopCreated, TemplateNotFound, ScaledDown...). Recording never fails a reconcile: an event
// that cannot be written is logged and dropped. A repeat of the same event within ten minutes
// bumps its series count instead of creating another object, as client-go's recorder does.
import { hostname } from 'node:os';
import {
  EventsV1Api,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { makeApiClient } from './client.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

const SERIES_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 4096;
/**
 * Events are for people reading `kubectl describe`, never on a user's path: during a logon storm
 * they wait their turn (a few at a time) instead of competing with binds and statuses for the API
 * server. Beyond MAX_WAITING they are dropped (and logged), as client-go's broadcaster does.
 */
const MAX_IN_FLIGHT = 2;
const MAX_WAITING = 1000;

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  record(obj: KubernetesObject, type: EventType, reason: string, note: string): void;
}

export class EventRecorder implements Recorder {
  private readonly api: EventsV1Api;
  private readonly instance = `kubevdi-${hostname()}-${process.pid}`;
  /**
   * (object uid, reason, note) → the event written for it, for series counting. Its name is a
   * promise: a repeat recorded while the first is still being created waits for it and counts on
   * it, instead of creating a second Event (seen under load in the recorder's test).
   */
  private readonly recent = new Map<string, { name: Promise<string>; namespace: string; count: number; at: number }>();
  private inFlight = 0;
  private readonly waiting: [KubernetesObject, EventType, string, string][] = [];

  constructor(
    kc: KubeConfig,
    private readonly log: Logger,
    metrics?: Metrics,
  ) {
    this.api = makeApiClient(kc, EventsV1Api, metrics);
  }

  record(obj: KubernetesObject, type: EventType, reason: string, note: string): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      if (this.waiting.length >= MAX_WAITING) {
        this.log.warn({ reason, object: obj.metadata?.name }, 'too many events waiting; dropped one');
        return;
      }
      this.waiting.push([obj, type, reason, note]);
      return;
    }
    this.inFlight++;
    void this.write(obj, type, reason, note)
      .catch((err: unknown) =>
        this.log.warn({ err: String(err), reason, object: obj.metadata?.name }, 'could not record event'),
      )
      .finally(() => {
        this.inFlight--;
        const next = this.waiting.shift();
        if (next) this.record(...next);
      });
  }

  private async write(obj: KubernetesObject, type: EventType, reason: string, note: string): Promise<void> {
    const { name, namespace, uid } = obj.metadata ?? {};
    if (!name || !namespace) return;
    const key = `${uid}\u0000${reason}\u0000${note}`;
    const now = Date.now();
    const seen = this.recent.get(key);
    if (seen && now - seen.at < SERIES_WINDOW_MS) {
      seen.count += 1;
      seen.at = now;
      // A merge patch: client-node sends JSON Patch unless told, which the API server refuses (400).
      await this.api.patchNamespacedEvent(
        {
          name: await seen.name,
          namespace: seen.namespace,
          body: { series: { count: seen.count, lastObservedTime: new V1MicroTime(now) } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    }
    const creating = this.api.createNamespacedEvent({
      namespace,
      body: {
        // client-go's naming: the object's name and a unique suffix (generateName may not end in '.').
        metadata: { name: `${name}.${now.toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace },
        eventTime: new V1MicroTime(now),
        reportingController: 'kubevdi.io/operator',
        reportingInstance: this.instance,
        action: reason,
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: { apiVersion: obj.apiVersion, kind: obj.kind, name, namespace, uid },
      },
    });
    if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value as string);
    const entry = { name: creating.then((e) => e.metadata?.name as string), namespace, count: 1, at: now };
    this.recent.set(key, entry);
    try {
      await entry.name;
    } catch (err) {
      // Not written: the next one of its kind is created afresh.
      if (this.recent.get(key) === entry) this.recent.delete(key);
      throw err;
    }
  }
}
