// An informer: a cache of one resource kind kept current by list + watch, and add/update/delete
// events for the controllers (which only enqueue keys from them). Modelled on client-go's
// reflector and kube-rs's watcher rather than client-node's makeInformer, which stops for good on
// any error but 410, asks for no bookmarks and has no client-side timeout.
//
// - List in pages of 500; the list's resourceVersion is where the watch starts.
// - Watch with bookmarks (they move the resume point forward without events) and a server-side
//   timeout randomised between 5 and 10 minutes, so replicas do not reconnect in lockstep.
// - A watch that ends normally resumes from the last resourceVersion seen, without a list.
// - 410 Gone (an HTTP 410 or an ERROR event with code 410: neither etcd nor the API server's
//   watch cache still has our position) means a relist; the new list is diffed against the
//   cache, so adds, updates and deletes missed during the gap are emitted like any other.
// - Any other error: retry with jittered exponential backoff (0.8 s doubling to 30 s), reset by a
//   healthy watch. API errors never end the informer; only stop() does.
// - A watchdog ends a watch that has been silent for `watchdogMs` (a half-open connection the
//   server's timeout cannot end, because the server is no longer there) and resumes.
// - stop() and a later start() behave like a long disconnect: the watch resumes from where it was.
//
// The list and watch requests are plain HTTPS GETs authenticated by the KubeConfig (client
// certificates, tokens, exec plugins, proxies) through kc.applyToHTTPSOptions: unlike client-node's
// Watch, that lets us abort a watch that hangs before its response headers and read the Status
// body of a refused request.
//
// Objects in the cache are the server's JSON as received (timestamps are strings, not Dates, even
// when T is a client-node model class), with apiVersion/kind filled in for list items, which the
// server sends without them, and without metadata.managedFields (see trim). The cache is shared: callers must not mutate what they get.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ResourceType } from '../api/resource-type.js';
import { Backoff, deadlineSignal, sleep } from './backoff.js';
import { type Logger, silentLogger } from './log.js';
import type { Metrics } from './metrics.js';

export interface InformerOptions {
  /** Watch one namespace only (namespaced kinds); default all namespaces. */
  namespace?: string;
  labelSelector?: string;
  /** End and resume a watch silent this long; default DEFAULT_WATCHDOG_MS. */
  watchdogMs?: number;
  metrics?: Metrics;
  log?: Logger;
}

export type InformerEvent = 'add' | 'update' | 'delete';

type Handler<T> = (obj: T, old?: T) => void;

// The private types that hold T in function position use method syntax on purpose: TypeScript
// checks method parameters bivariantly, so an Informer<VirtualMachine> can be passed where an
// Informer<{ metadata?: ... }> is expected (code that reads a few common fields), as its public
// methods already allow. A function-typed property would make Informer<T> invariant.
interface Listener<T> {
  handle(obj: T, old?: T): void;
}

/**
 * kube-apiserver 1.36 sends a BOOKMARK on an open watch about every 60 s (measured: 59.7–60.7 s
 * apart on ConfigMaps, Leases and an empty custom resource), but skips a tick when nothing
 * newer than the watch's own resourceVersion exists yet: the first bookmark of a ConfigMap
 * watch came after 120 s. Three periods is well above the longest healthy silence while still
 * catching a dead connection minutes before the 5–10 min server timeout would have (which never
 * arrives when the server is gone). A false alarm costs one watch request, not a relist.
 */
export const DEFAULT_WATCHDOG_MS = 180_000;

const PAGE_SIZE = 500;
/** A page that has not fully arrived by then is retried: a hung server must not hang start(). */
const PAGE_TIMEOUT_MS = 60_000;
const WATCH_TIMEOUT_SECONDS = { min: 300, max: 600 };
const BACKOFF = { baseMs: 800, maxMs: 30_000 };
/** A watch that delivered something, or stayed open this long, proves the path works again. */
const HEALTHY_WATCH_MS = 10_000;

type RestartReason = 'closed' | 'expired' | 'error' | 'silent';

interface WatchOutcome {
  reason: RestartReason;
  error?: unknown;
  healthy: boolean;
}

/** One start()..stop() of the informer. */
interface Run {
  abort: AbortController;
  synced: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A refused request: the HTTP status and the API server's message. */
class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`HTTP ${code}: ${message}`);
  }
}

export class Informer<T extends KubernetesObject> {
  /**
   * Where the next watch starts: the last resourceVersion seen (list, event or bookmark).
   * Protected so that a test can put in a position etcd has compacted away, as after a long gap.
   */
  protected resourceVersion = '';

  private readonly store: Store<T>;
  private readonly listeners: Record<InformerEvent, Listener<T>[]> = { add: [], update: [], delete: [] };
  private readonly path: string;
  private readonly apiVersion: string;
  private readonly resource: string;
  private readonly watchdogMs: number;
  private readonly log: Logger;
  private run: Run | undefined;
  private everStarted = false;
  private hasSynced = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly type: ResourceType,
    private readonly options: InformerOptions = {},
  ) {
    this.resource = type.group ? `${type.plural}.${type.group}` : type.plural;
    if (options.namespace && !type.namespaced) {
      throw new Error(`informer: ${this.resource} is cluster-scoped; it cannot be watched in a namespace`);
    }
    this.apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    const prefix = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
    const ns = options.namespace ? `/namespaces/${encodeURIComponent(options.namespace)}` : '';
    this.path = `${prefix}${ns}/${type.plural}`;
    this.watchdogMs = options.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    this.log = (options.log ?? silentLogger).child({ resource: this.resource, namespace: options.namespace });
    this.store = new Store(this.log);
  }

  /** True once a full list has been in the cache (and stays true). */
  get synced(): boolean {
    return this.hasSynced;
  }

  /**
   * Handlers run synchronously in the informer's event loop turn; they should only enqueue keys.
   * For 'update' the second argument is the previous object; for 'delete' the first is the last
   * state (the server's, or the cache's when the delete was found by a relist).
   */
  on(event: InformerEvent, handler: Handler<T>): void {
    this.listeners[event].push({ handle: handler });
  }

  /** An index from each object to the values it is found under with byIndex(). Before start(). */
  addIndex(name: string, keys: (obj: T) => string[]): void {
    if (this.everStarted) throw new Error(`informer ${this.resource}: addIndex(${name}) after start()`);
    this.store.addIndex(name, keys);
  }

  byIndex(name: string, value: string): T[] {
    return this.store.byIndex(name, value);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(storeKey(namespace, name));
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  /**
   * Starts listing and watching. Resolves once the cache holds a full list; API errors (403,
   * 404 before the CRD exists, 429 while the server's cache initialises, ...) are logged and
   * retried with backoff, never thrown, so impose your own timeout if you want to give up.
   * Rejects only when stop() comes first. Calling it again while running returns the same
   * promise. After stop(), start() resumes like a watch after a disconnect: from the last
   * resourceVersion, so the server replays what changed meanwhile, or, if that is too long ago
   * (410), a relist diffed against the cache emits it; it resolves at once, the cache being full.
   */
  start(): Promise<void> {
    if (this.run) return this.run.synced;
    this.everStarted = true;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const synced = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be awaiting start() when stop() rejects it; that must not crash the process.
    synced.catch(() => undefined);
    const run: Run = { abort: new AbortController(), synced, resolve, reject };
    this.run = run;
    this.loop(run).catch((err: unknown) => this.log.error({ err }, 'informer loop failed; this is a bug'));
    return synced;
  }

  /** Idempotent. Aborts the watch; the cache keeps its last state and stays readable. */
  stop(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    run.abort.abort();
    run.reject(new Error(`informer ${this.resource} stopped before its first list`));
  }

  /**
   * The server-side timeout of the next watch: random within 5–10 minutes, so that replicas and
   * informers do not all reconnect at once. Protected so that a test can shorten it.
   */
  protected watchTimeoutSeconds(): number {
    return randomInt(WATCH_TIMEOUT_SECONDS.min, WATCH_TIMEOUT_SECONDS.max);
  }

  private async loop(run: Run): Promise<void> {
    const signal = run.abort.signal;
    const backoff = new Backoff(BACKOFF);
    let needList = !this.hasSynced;
    if (!needList) run.resolve();
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.relist(signal);
          if (signal.aborted) return;
          needList = false;
          run.resolve();
        } catch (err) {
          if (signal.aborted) return;
          const delayMs = backoff.next();
          this.log.warn({ err: describe(err), retryInMs: Math.round(delayMs) }, 'list failed; retrying');
          await sleep(delayMs, signal);
          continue;
        }
      }
      const outcome = await this.watch(signal);
      if (signal.aborted) return;
      this.options.metrics?.watchRestarts.inc({ resource: this.resource, reason: outcome.reason });
      if (outcome.healthy) backoff.reset();
      if (outcome.reason === 'expired') needList = true;
      const delayMs = outcome.healthy && outcome.reason !== 'error' ? 0 : backoff.next();
      const level = outcome.reason === 'closed' ? 'debug' : outcome.reason === 'error' ? 'warn' : 'info';
      this.log[level](
        { reason: outcome.reason, err: describe(outcome.error), retryInMs: Math.round(delayMs) },
        'watch ended; resuming',
      );
      if (delayMs > 0) await sleep(delayMs, signal);
    }
  }

  /** Lists everything (all pages) and makes the cache equal to it, emitting the differences. */
  private async relist(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, T>();
    let resourceVersion = '';
    let token: string | undefined;
    do {
      const query: Record<string, string> = { limit: String(PAGE_SIZE) };
      if (token) query.continue = token;
      if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
      const page = await this.getList(query, signal);
      for (const item of page.items ?? []) {
        item.apiVersion ??= this.apiVersion;
        item.kind ??= this.type.kind;
        fresh.set(keyOf(item), trim(item));
      }
      resourceVersion = page.metadata?.resourceVersion ?? '';
      token = page.metadata?.continue || undefined;
    } while (token);
    if (signal.aborted) return;
    const events = this.store.replace(fresh);
    this.resourceVersion = resourceVersion;
    this.hasSynced = true;
    this.log.debug({ objects: fresh.size, resourceVersion }, 'listed');
    // Emitted after the whole cache is updated: handlers (and the reconciles they cause) never
    // see a half-replaced cache.
    for (const [event, obj, old] of events) this.emit(event, obj, old);
  }

  private async getList(query: Record<string, string>, runSignal: AbortSignal): Promise<ListPage<T>> {
    const deadline = deadlineSignal(runSignal, PAGE_TIMEOUT_MS);
    try {
      let res: IncomingMessage;
      try {
        res = await this.request(query, deadline.signal);
      } catch (err) {
        if (!runSignal.aborted) this.options.metrics?.countRequest('list', 0);
        throw err;
      }
      this.options.metrics?.countRequest('list', res.statusCode ?? 0);
      const body = await readText(res);
      if (res.statusCode !== 200) throw new HttpError(res.statusCode ?? 0, statusMessage(body));
      return JSON.parse(body) as ListPage<T>;
    } finally {
      deadline.dispose();
    }
  }

  /** One watch, from `resourceVersion` until it ends; resolves with why it ended. */
  private watch(runSignal: AbortSignal): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      if (runSignal.aborted) return resolve({ reason: 'closed', healthy: false });
      const abort = new AbortController();
      const openedAt = performance.now();
      let lastHeard = openedAt;
      let received = false;
      let settled = false;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (reason: RestartReason, error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        runSignal.removeEventListener('abort', onStop);
        abort.abort();
        resolve({ reason, error, healthy: received || performance.now() - openedAt >= HEALTHY_WATCH_MS });
      };
      const onStop = () => finish('closed');
      runSignal.addEventListener('abort', onStop, { once: true });

      // Re-armed for the remaining time rather than reset on every event: O(1) per event.
      const check = () => {
        const silentMs = performance.now() - lastHeard;
        if (silentMs >= this.watchdogMs) return finish('silent');
        watchdog = setTimeout(check, this.watchdogMs - silentMs).unref();
      };
      watchdog = setTimeout(check, this.watchdogMs).unref();

      const query: Record<string, string> = {
        watch: 'true',
        allowWatchBookmarks: 'true',
        resourceVersion: this.resourceVersion,
        timeoutSeconds: String(this.watchTimeoutSeconds()),
      };
      if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;

      this.request(query, abort.signal).then(
        (res) => {
          this.options.metrics?.countRequest('watch', res.statusCode ?? 0);
          if (settled) return void res.destroy();
          if (res.statusCode !== 200) {
            const reason = res.statusCode === 410 ? 'expired' : 'error';
            readText(res).then(
              (body) => finish(reason, new HttpError(res.statusCode ?? 0, statusMessage(body))),
              (err: unknown) => finish('error', err),
            );
            return;
          }
          splitLines(res, (line) => {
            if (settled) return;
            const ended = this.onWatchEvent(line);
            if (ended) finish(ended.reason, ended.error);
            // An ERROR event is no proof of health: a server answering every watch with one
            // must meet a growing backoff.
            else received = true;
          });
          res.on('data', () => {
            lastHeard = performance.now();
          });
          res.on('end', () => finish('closed'));
          res.on('error', (err) => finish('error', err));
          res.on('close', () => finish('error', new Error('the watch connection closed mid-stream')));
        },
        (err: unknown) => {
          if (!runSignal.aborted) this.options.metrics?.countRequest('watch', 0);
          finish('error', err);
        },
      );
    });
  }

  /** Applies one watch event; returns how the watch ends if the event ends it. */
  private onWatchEvent(line: string): { reason: RestartReason; error: Error } | undefined {
    let event: { type?: string; object?: T & { code?: number; message?: string } };
    try {
      event = JSON.parse(line);
    } catch (err) {
      return { reason: 'error', error: new Error(`unparsable watch event: ${describe(err)}`) };
    }
    const obj = event.object;
    if (!obj) return undefined;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(obj);
        break;
      case 'DELETED':
        this.store.delete(keyOf(obj));
        this.emit('delete', obj);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR':
        // A Status; the server ends the watch after it.
        return {
          reason: obj.code === 410 ? 'expired' : 'error',
          error: new HttpError(obj.code ?? 0, obj.message ?? ''),
        };
      default:
        this.log.debug({ type: event.type }, 'ignoring an unknown watch event type');
    }
    const resourceVersion = obj.metadata?.resourceVersion;
    if (resourceVersion) this.resourceVersion = resourceVersion;
    return undefined;
  }

  private upsert(obj: T): void {
    trim(obj);
    const key = keyOf(obj);
    const old = this.store.get(key);
    // The same resourceVersion is the same object: nothing to tell anyone.
    if (old && sameVersion(old, obj)) return;
    this.store.set(key, obj);
    if (old) this.emit('update', obj, old);
    else this.emit('add', obj);
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const listener of this.listeners[event]) {
      try {
        listener.handle(obj, old);
      } catch (err) {
        this.log.error({ err, event, object: keyOf(obj) }, 'an informer event handler threw');
      }
    }
  }

  /** Opens a GET on the collection; resolves when the response headers are in. */
  private async request(query: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(`${cluster.server.replace(/\/+$/, '')}${this.path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
    // Certificates, bearer tokens (refreshed from files and exec plugins), proxies.
    await this.kc.applyToHTTPSOptions(options);
    signal.throwIfAborted();
    const plain = url.protocol === 'http:';
    if (plain) delete options.agent;
    return new Promise((resolve, reject) => {
      const req = (plain ? http : https).request(url, { ...options, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
  }
}

interface ListPage<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * The cache: objects by key, by namespace (so list(namespace) does not scan everything) and by
 * each index value. Every write is O(1) plus the object's index values.
 */
class Store<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();
  private readonly namespaces = new Map<string, Map<string, T>>();
  private readonly indexes = new Map<string, Index<T>>();

  constructor(private readonly log: Logger) {}

  addIndex(name: string, keysOf: (obj: T) => string[]): void {
    if (this.indexes.has(name)) throw new Error(`informer: index ${name} exists already`);
    this.indexes.set(name, { keysOf, byValue: new Map(), valuesOf: new Map() });
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.objects.values()];
    return [...(this.namespaces.get(namespace)?.values() ?? [])];
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer: no index named ${name}`);
    return [...(index.byValue.get(value)?.values() ?? [])];
  }

  set(key: string, obj: T): void {
    this.delete(key);
    this.objects.set(key, obj);
    const namespace = obj.metadata?.namespace ?? '';
    let inNamespace = this.namespaces.get(namespace);
    if (!inNamespace) {
      inNamespace = new Map();
      this.namespaces.set(namespace, inNamespace);
    }
    inNamespace.set(key, obj);
    for (const [name, index] of this.indexes) {
      const values = this.indexValues(name, index, obj);
      index.valuesOf.set(key, values);
      for (const value of values) {
        let entries = index.byValue.get(value);
        if (!entries) {
          entries = new Map();
          index.byValue.set(value, entries);
        }
        entries.set(key, obj);
      }
    }
  }

  delete(key: string): T | undefined {
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.objects.delete(key);
    const namespace = old.metadata?.namespace ?? '';
    const inNamespace = this.namespaces.get(namespace);
    inNamespace?.delete(key);
    if (inNamespace?.size === 0) this.namespaces.delete(namespace);
    for (const index of this.indexes.values()) {
      for (const value of index.valuesOf.get(key) ?? []) {
        const entries = index.byValue.get(value);
        entries?.delete(key);
        if (entries?.size === 0) index.byValue.delete(value);
      }
      index.valuesOf.delete(key);
    }
    return old;
  }

  /** Makes the cache hold exactly `fresh`; returns the events that takes, in order. */
  replace(fresh: Map<string, T>): [InformerEvent, T, T?][] {
    const events: [InformerEvent, T, T?][] = [];
    for (const [key, old] of this.objects) {
      if (fresh.has(key)) continue;
      this.delete(key);
      events.push(['delete', old]);
    }
    for (const [key, obj] of fresh) {
      const old = this.objects.get(key);
      if (old && sameVersion(old, obj)) continue;
      this.set(key, obj);
      events.push(old ? ['update', obj, old] : ['add', obj]);
    }
    return events;
  }

  /** An index function is the caller's code: one that throws must not break the cache. */
  private indexValues(name: string, index: Index<T>, obj: T): string[] {
    try {
      return [...new Set(index.keysOf(obj))];
    } catch (err) {
      this.log.error({ err, index: name, object: keyOf(obj) }, 'an index function threw; object not indexed');
      return [];
    }
  }
}

interface Index<T> {
  keysOf(obj: T): string[];
  /** index value → object key → object */
  byValue: Map<string, Map<string, T>>;
  /** object key → the values it is indexed under (to unindex without calling keysOf again) */
  valuesOf: Map<string, string[]>;
}

/**
 * What the cache does not keep: metadata.managedFields, the API server's record of which field
 * manager set which field. kubevdi writes with server-side apply, so the API server keeps that
 * record itself; nothing in the operator reads it, and it was the largest part of a cached
 * VirtualMachine (a heap snapshot of the operator at 5000 idle desktops: see BENCHMARKS.md).
 * The object is fresh from JSON.parse and not yet shared, so it is changed in place; its metadata is
 * made anew rather than `delete`d from, which would turn each one into a slow, larger dictionary
 * object (4 MB more at 5000 desktops).
 */
function trim<T extends KubernetesObject>(obj: T): T {
  const { managedFields, ...metadata } = obj.metadata ?? {};
  if (managedFields) obj.metadata = metadata;
  return obj;
}

function sameVersion(a: KubernetesObject, b: KubernetesObject): boolean {
  return a.metadata?.resourceVersion === b.metadata?.resourceVersion;
}

function storeKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function keyOf(obj: KubernetesObject): string {
  return storeKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

/** Calls `onLine` for every newline-terminated line of the response. */
function splitLines(res: IncomingMessage, onLine: (line: string) => void): void {
  let buffered = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    // Search only the new chunk for the end of a line: a large object arrives in many chunks.
    let from = buffered.length;
    buffered += chunk;
    for (let end = buffered.indexOf('\n', from); end >= 0; end = buffered.indexOf('\n', from)) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      from = 0;
      if (line.trim()) onLine(line);
    }
  });
}

async function readText(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk;
  return text;
}

/** The message of a Status body, or the start of whatever else came. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: string };
    if (status.message) return status.message;
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200);
}

function describe(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  return err instanceof Error ? err.message : String(err);
}

function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}
