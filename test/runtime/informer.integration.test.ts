// The informer against a real kube-apiserver: the cache follows ConfigMaps, indexes follow
// labels, watches resume from where they stopped (server timeout, stop/start, watchdog), and a
// position the server no longer has (410) is recovered by a relist that emits what was missed.
import { CoreV1Api, CustomObjectsApi, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceType } from '../../src/api/resource-type.js';
import { Informer, type InformerOptions } from '../../src/runtime/informer.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { kubeconfig, useTestNamespace } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const CONFIGMAPS: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};
const CLAIMS: ResourceType = {
  group: 'kubevdi.io',
  version: 'v1alpha1',
  plural: 'desktopclaims',
  kind: 'DesktopClaim',
  namespaced: true,
};

/** Test hooks through the informer's protected members; its public API stays as controllers see it. */
class TestInformer<T extends KubernetesObject> extends Informer<T> {
  serverTimeoutSeconds: number | undefined;

  protected override watchTimeoutSeconds(): number {
    return this.serverTimeoutSeconds ?? super.watchTimeoutSeconds();
  }

  /** As if etcd had compacted our position away while we were not watching. */
  forgetPosition(): void {
    this.resourceVersion = '1';
  }
}

const namespace = useTestNamespace('informer');
const core = () => kubeconfig().makeApiClient(CoreV1Api);
const custom = () => kubeconfig().makeApiClient(CustomObjectsApi);

let running: Informer<KubernetesObject>[] = [];
afterEach(() => {
  for (const informer of running) informer.stop();
  running = [];
});

function startable<T extends KubernetesObject>(type: ResourceType, options: InformerOptions = {}) {
  const metrics = new Metrics();
  const informer = new TestInformer<T>(kubeconfig(), type, { namespace: namespace(), metrics, ...options });
  running.push(informer as unknown as Informer<KubernetesObject>);
  // Every event as "verb name", except the kube-root-ca.crt ConfigMap every namespace gets.
  const events: string[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (obj) => {
      if (obj.metadata?.name !== 'kube-root-ca.crt') events.push(`${verb} ${obj.metadata?.name}`);
    });
  }
  return { informer, metrics, events, requests: (verb: string, code = 200) => requests(metrics, verb, code) };
}

async function requests(metrics: Metrics, verb: string, code = 200): Promise<number> {
  const { values } = await metrics.apiRequests.get();
  return values.find((v) => v.labels.verb === verb && v.labels.code === String(code))?.value ?? 0;
}

async function restarts(metrics: Metrics, reason: string): Promise<number> {
  const { values } = await metrics.watchRestarts.get();
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): V1ConfigMap {
  return { metadata: { name, labels }, data };
}

const createConfigMap = (body: V1ConfigMap) => core().createNamespacedConfigMap({ namespace: namespace(), body });
const replaceConfigMap = (body: V1ConfigMap) =>
  core().replaceNamespacedConfigMap({ namespace: namespace(), name: body.metadata?.name ?? '', body });
const deleteConfigMap = (name: string) => core().deleteNamespacedConfigMap({ namespace: namespace(), name });

const claimsApi = { group: CLAIMS.group, version: CLAIMS.version, plural: CLAIMS.plural };
const createClaim = (name: string) =>
  custom().createNamespacedCustomObject({
    ...claimsApi,
    namespace: namespace(),
    body: {
      apiVersion: 'kubevdi.io/v1alpha1',
      kind: 'DesktopClaim',
      metadata: { name },
      spec: { poolRef: { name: 'callcenter' }, user: 'alice' },
    },
  });
const deleteClaim = (name: string) =>
  custom().deleteNamespacedCustomObject({ ...claimsApi, namespace: namespace(), name });
async function labelClaim(name: string, labels: Record<string, string>): Promise<void> {
  const claim = (await custom().getNamespacedCustomObject({
    ...claimsApi,
    namespace: namespace(),
    name,
  })) as KubernetesObject;
  claim.metadata = { ...claim.metadata, labels };
  await custom().replaceNamespacedCustomObject({ ...claimsApi, namespace: namespace(), name, body: claim });
}

describe('Informer', () => {
  it('keeps a cache of the ConfigMaps of a namespace and emits adds, updates and deletes', async () => {
    await createConfigMap(configMap('before', { n: '1' }));
    const { informer, events, requests } = startable<V1ConfigMap>(CONFIGMAPS);
    const updates: [V1ConfigMap, V1ConfigMap | undefined][] = [];
    informer.on('update', (obj, old) => updates.push([obj, old]));
    expect(informer.synced).toBe(false);
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(events).toEqual(['add before']);
    expect(informer.get(namespace(), 'before')?.data).toEqual({ n: '1' });
    // List items come without apiVersion/kind; the cache has them like watch events do.
    expect(informer.get(namespace(), 'before')).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });

    await createConfigMap(configMap('a', { n: '1' }));
    await eventually(() => expect(events).toContain('add a'));
    await replaceConfigMap(configMap('a', { n: '2' }));
    await eventually(() => expect(informer.get(namespace(), 'a')?.data).toEqual({ n: '2' }));
    expect(updates.map(([obj, old]) => [obj.data?.n, old?.data?.n])).toEqual([['2', '1']]);
    await deleteConfigMap('a');
    await eventually(() => expect(events).toContain('delete a'));
    expect(informer.get(namespace(), 'a')).toBeUndefined();
    expect(events).toEqual(['add before', 'add a', 'update a', 'delete a']);
    expect(
      informer
        .list(namespace())
        .map((cm) => cm.metadata?.name)
        .sort(),
    ).toEqual(['before', 'kube-root-ca.crt']);
    expect(informer.list('some-other-namespace')).toEqual([]);
    expect(await requests('list')).toBe(1);
    expect(await requests('watch')).toBe(1);
  });

  it('indexes objects by what the index function returns, and follows changes', async () => {
    const { informer } = startable<V1ConfigMap>(CONFIGMAPS);
    informer.addIndex('owner', (cm) => (cm.metadata?.labels?.owner ? [cm.metadata.labels.owner] : []));
    await createConfigMap(configMap('x1', {}, { owner: 'x' }));
    await informer.start();
    expect(() => informer.addIndex('late', () => [])).toThrow(/after start/);
    expect(() => informer.byIndex('nope', 'x')).toThrow(/no index/);
    await createConfigMap(configMap('x2', {}, { owner: 'x' }));
    await createConfigMap(configMap('y1', {}, { owner: 'y' }));
    const names = (value: string) =>
      informer
        .byIndex('owner', value)
        .map((cm) => cm.metadata?.name)
        .sort();
    await eventually(() => expect([names('x'), names('y')]).toEqual([['x1', 'x2'], ['y1']]));
    await replaceConfigMap(configMap('x2', {}, { owner: 'y' }));
    await eventually(() => expect([names('x'), names('y')]).toEqual([['x1'], ['x2', 'y1']]));
    await deleteConfigMap('x1');
    await eventually(() => expect(names('x')).toEqual([]));
  });

  it('resumes from its last resourceVersion, without a relist, when the server ends the watch', async () => {
    const { informer, metrics, events, requests } = startable<V1ConfigMap>(CONFIGMAPS);
    informer.serverTimeoutSeconds = 1;
    await informer.start();
    await eventually(async () => expect(await restarts(metrics, 'closed')).toBeGreaterThanOrEqual(2), 20_000);
    await createConfigMap(configMap('after-timeouts'));
    await eventually(() => expect(events).toEqual(['add after-timeouts']));
    expect(await requests('list')).toBe(1);
    expect(await requests('watch')).toBeGreaterThanOrEqual(3);
  });

  it('after stop() and start(), replays from where it stopped what changed meanwhile', async () => {
    await createConfigMap(configMap('gone'));
    await createConfigMap(configMap('changed', { v: '1' }));
    const { informer, events, requests } = startable<V1ConfigMap>(CONFIGMAPS);
    await informer.start();
    informer.stop();
    informer.stop(); // idempotent
    expect(events.splice(0).sort()).toEqual(['add changed', 'add gone']);
    await deleteConfigMap('gone');
    await replaceConfigMap(configMap('changed', { v: '2' }));
    await createConfigMap(configMap('new'));
    await informer.start(); // the cache is full: resolves at once
    await eventually(() => expect(events).toEqual(['delete gone', 'update changed', 'add new']));
    expect(informer.get(namespace(), 'changed')?.data).toEqual({ v: '2' });
    expect(await requests('list')).toBe(1);
  });

  // DesktopClaims, because a custom resource's watch cache starts when its CRD is installed:
  // resourceVersion 1 is then "too old" (an ERROR event with code 410), which is what a long
  // disconnect meets once etcd has compacted. (ConfigMaps' cache holds history from etcd's start.)
  it('after a 410, relists and emits the adds, updates and deletes it missed, and nothing else', async () => {
    await createClaim('gone');
    await createClaim('changed');
    await createClaim('same');
    const { informer, metrics, events, requests } = startable<KubernetesObject>(CLAIMS);
    await informer.start();
    expect(events.sort()).toEqual(['add changed', 'add gone', 'add same']);
    informer.stop();
    events.length = 0;
    await deleteClaim('gone');
    await labelClaim('changed', { touched: 'yes' });
    await createClaim('new');
    informer.forgetPosition();
    await informer.start();
    await eventually(() => expect(events.sort()).toEqual(['add new', 'delete gone', 'update changed']));
    expect(informer.get(namespace(), 'changed')?.metadata?.labels).toEqual({ touched: 'yes' });
    expect(informer.get(namespace(), 'gone')).toBeUndefined();
    expect(await restarts(metrics, 'expired')).toBe(1);
    expect(await requests('list')).toBe(2);
    // And it watches on from the new list.
    await deleteClaim('same');
    await eventually(() => expect(events).toContain('delete same'));
  });

  it('restarts a watch that has been silent for watchdogMs', async () => {
    const { informer, metrics, events, requests } = startable<V1ConfigMap>(CONFIGMAPS, { watchdogMs: 500 });
    await informer.start();
    await eventually(async () => expect(await restarts(metrics, 'silent')).toBeGreaterThanOrEqual(1), 10_000);
    await createConfigMap(configMap('heard'));
    await eventually(() => expect(events).toEqual(['add heard']));
    expect(await requests('list')).toBe(1);
  });

  it('a handler that throws is logged and breaks neither the other handlers nor the informer', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const { informer, events } = startable<V1ConfigMap>(CONFIGMAPS, { log });
    informer.on('add', () => {
      throw new Error('handler bug');
    });
    await informer.start();
    await createConfigMap(configMap('one'));
    await createConfigMap(configMap('two'));
    await eventually(() => expect(events).toEqual(['add one', 'add two']));
    expect(lines.some((line) => line.includes('handler bug') && line.includes('"resource":"configmaps"'))).toBe(true);
  });

  it('retries a list the server refuses, and start() rejects only if stop() comes first', async () => {
    const missing: ResourceType = {
      group: 'example.com',
      version: 'v1',
      plural: 'nothings',
      kind: 'Nothing',
      namespaced: true,
    };
    const { informer, requests } = startable<KubernetesObject>(missing);
    const started = informer.start();
    await eventually(async () => expect(await requests('list', 404)).toBeGreaterThanOrEqual(2), 10_000);
    expect(informer.synced).toBe(false);
    informer.stop();
    await expect(started).rejects.toThrow(/stopped before its first list/);
  });

  it('lists in pages of 500', async () => {
    const names = Array.from({ length: 501 }, (_, i) => `cm-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => createConfigMap(configMap(name))));
    }
    const { informer, events, requests } = startable<V1ConfigMap>(CONFIGMAPS);
    await informer.start();
    expect(await requests('list')).toBe(2);
    expect(informer.list(namespace())).toHaveLength(502);
    expect(events).toHaveLength(501);
  });
});
