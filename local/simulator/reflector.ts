// A small list+watch cache (client-go's reflector, reduced): list, then watch from the list's
// resourceVersion with bookmarks; resume from the last seen resourceVersion when the stream ends;
// relist on 410 Gone or repeated errors, and report every difference a relist finds, so no change is
// lost. A watchdog aborts a stream the server has kept open past its own timeout. Handlers are told
// what changed and only enqueue keys.
import { Watch } from '@kubernetes/client-node';
import { type Api, type Resource, resourcePath } from './kube.js';
import { type KubeObject, key } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type Handler<T> = (type: EventType, obj: T) => void;

type WatchOutcome = 'closed' | 'gone' | 'error';

export class Reflector<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private resourceVersion = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly api: Api,
    readonly resource: Resource,
    private readonly namespace: string | undefined,
    private readonly handler: Handler<T>,
    private readonly log: (line: string) => void,
    /** Objects outside the simulator's scope are neither cached nor reported. */
    private readonly inScope: (obj: T) => boolean = () => true,
  ) {}

  get(k: string): T | undefined {
    return this.items.get(k);
  }

  list(namespace?: string): T[] {
    const all = [...this.items.values()];
    return namespace ? all.filter((o) => o.metadata.namespace === namespace) : all;
  }

  /** Resolves once the cache holds a full list and the watch that follows it is open. */
  start(): Promise<void> {
    return new Promise((resolve) => void this.run(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    for (const wake of this.sleepers) wake();
  }

  private async run(onSynced: () => void): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.relist();
        failures = 0;
      } catch (err) {
        this.log(`${this.resource.kind}: list failed: ${err instanceof Error ? err.message : String(err)}`);
        await this.sleep(Math.min(250 * 2 ** failures++, 5000));
        continue;
      }
      let errors = 0;
      while (!this.stopped) {
        const outcome = await this.watchOnce(onSynced);
        if (outcome === 'gone') break;
        if (outcome === 'error') {
          if (++errors >= 5) break;
          await this.sleep(Math.min(200 * 2 ** errors, 3000));
        } else {
          errors = 0;
        }
      }
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.api.list<T>(this.resource, this.namespace);
    const fresh = new Map(items.filter(this.inScope).map((o) => [key(o), o] as const));
    for (const [k, old] of this.items) {
      if (fresh.has(k)) continue;
      this.items.delete(k);
      this.emit('DELETED', old);
    }
    for (const [k, obj] of fresh) {
      const old = this.items.get(k);
      this.items.set(k, obj);
      if (!old) this.emit('ADDED', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('MODIFIED', obj);
    }
    this.resourceVersion = resourceVersion;
  }

  private watchOnce(onSynced: () => void): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      let gone = false;
      let failed = false;
      const timeoutSeconds = 240 + Math.floor(Math.random() * 60);
      const finish = (outcome: WatchOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        resolve(outcome);
      };
      const watchdog = setTimeout(
        () => {
          this.log(`${this.resource.kind}: watch outlived its timeout, restarting it`);
          this.abort?.abort();
          finish('error');
        },
        (timeoutSeconds + 30) * 1000,
      );

      const onEvent = (type: string, obj: unknown) => {
        if (settled) return;
        if (type === 'ERROR') {
          const code = (obj as { code?: number } | undefined)?.code;
          if (code === 410) gone = true;
          else {
            failed = true;
            this.log(`${this.resource.kind}: watch error ${JSON.stringify(obj)}`);
          }
          return;
        }
        const o = obj as T;
        if (o?.metadata?.resourceVersion) this.resourceVersion = o.metadata.resourceVersion;
        if (type === 'BOOKMARK' || !this.inScope(o)) return;
        const k = key(o);
        if (type === 'DELETED') {
          this.items.delete(k);
          this.emit('DELETED', o);
        } else if (type === 'ADDED' || type === 'MODIFIED') {
          const existed = this.items.has(k);
          this.items.set(k, o);
          this.emit(existed ? 'MODIFIED' : 'ADDED', o);
        }
      };
      const onDone = (err: unknown) => {
        if (this.stopped) return finish('closed');
        if ((err as { statusCode?: number } | null)?.statusCode === 410) return finish('gone');
        if (err) {
          this.log(`${this.resource.kind}: watch failed: ${err instanceof Error ? err.message : String(err)}`);
          return finish('error');
        }
        finish(gone ? 'gone' : failed ? 'error' : 'closed');
      };

      new Watch(this.api.kc)
        .watch(
          resourcePath(this.resource, this.namespace),
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          onEvent,
          onDone,
        )
        .then(
          (controller) => {
            this.abort = controller;
            if (this.stopped) controller.abort();
            else if (!settled) onSynced();
          },
          (err: unknown) => onDone(err ?? new Error('watch failed')),
        );
    });
  }

  private emit(type: EventType, obj: T): void {
    try {
      this.handler(type, obj);
    } catch (err) {
      this.log(`${this.resource.kind}: event handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
