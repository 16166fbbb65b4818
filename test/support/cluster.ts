// What integration tests use to reach the shared control plane: clients for the admin and the
// test users, a fresh namespace per test, and server-side apply as the operator will do it.
import { readFile } from 'node:fs/promises';
import { ApiException, CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type Apply, makeApply } from '../../src/runtime/apply.js';

export function kubeconfig(user?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigFile(user));
  return kc;
}

/** The kubeconfig file of a test user (of the admin without one), for clients that read files. */
export function kubeconfigFile(user?: string): string {
  const cluster = inject('cluster');
  const file = user ? cluster.userKubeconfigs[user] : cluster.adminKubeconfig;
  if (!file) throw new Error(`no test user ${user}`);
  return file;
}

/** The test cluster, authenticated with a bearer token (a ServiceAccount's): the API as that person. */
export function kubeconfigWithToken(token: string): KubeConfig {
  const cluster = kubeconfig().getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig names no cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: 'test' }],
    users: [{ name: 'person', token }],
    contexts: [{ name: 'person', cluster: 'test', user: 'person' }],
    currentContext: 'person',
  });
  return kc;
}

let counter = 0;

/**
 * Gives every test of the file a fresh namespace, deleted after it, and returns a function
 * that names the current one.
 */
export function useTestNamespace(prefix: string): () => string {
  let current: { name: string; cleanup: () => Promise<void> } | undefined;
  beforeEach(async () => {
    current = await createNamespace(prefix);
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useTestNamespace: no test is running');
    return current.name;
  };
}

/** Creates a namespace with a unique name and returns it; `cleanup` deletes it. */
export async function createNamespace(prefix: string): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const core = kubeconfig().makeApiClient(CoreV1Api);
  const name = `${prefix}-${process.pid}-${++counter}`.slice(0, 63);
  await core.createNamespace({ body: { metadata: { name } } });
  return { name, cleanup: async () => void (await core.deleteNamespace({ name }).catch(() => undefined)) };
}

/** Binds a kubevdi ClusterRole to a group in a namespace, as a platform team's RoleBinding would. */
export async function bindClusterRole(namespace: string, clusterRole: string, group: string): Promise<void> {
  await applyAs()({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${clusterRole.replace(/:/g, '-')}-${group}`, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
}

/** Server-side apply with strict field validation, as the admin or as a test user. */
export function applyAs(user?: string): Apply {
  return makeApply(kubeconfig(user), 'kubevdi-test');
}

export async function readYamlObjects(file: string): Promise<KubernetesObject[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  return docs.map((d) => d.toJS()).filter((o): o is KubernetesObject => o !== null && typeof o === 'object');
}

/** The message the API server sent with a refusal, as a person would read it. */
export async function refusal(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      return { code: err.code, message: body?.message ?? String(err.body) };
    }
    throw err;
  }
  throw new Error('expected the API server to refuse the request, but it accepted it');
}
