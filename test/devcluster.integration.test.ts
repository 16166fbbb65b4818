// The local control plane is a real one: a real version, RBAC that refuses until a binding
// allows, garbage collection and namespace deletion by kube-controller-manager, and CRDs that
// clients can use right after start. Starts its own control plane, independent of the suite's.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  VersionApi,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ControlPlane, startControlPlane } from '../local/devcluster/controlplane.js';
import { KUBEVIRT_CRDS_DIR, KUBEVIRT_DIR } from './support/kubevirt.js';

const FIELD_MANAGER = 'kubevdi-test';

let cp: ControlPlane;
let admin: KubeConfig;
let alice: KubeConfig;

function kubeconfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** The HTTP status of a refused call; fails the test if the call succeeds. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
  throw new Error('expected the API server to refuse the call');
}

/** Polls until `check` returns true; controllers and caches work asynchronously. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}`);
    await sleep(200);
  }
}

async function isGone(read: Promise<unknown>): Promise<boolean> {
  try {
    await read;
    return false;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return true;
    throw err;
  }
}

/**
 * KubernetesObjectApi sends server-side apply with `fieldValidation=Strict`. The class has no
 * parameter for it, and per-call options replace (not extend) its configuration, so the query
 * parameter comes from a middleware of its own configuration.
 */
function strictApplier(kc: KubeConfig): KubernetesObjectApi {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig without a cluster');
  return new KubernetesObjectApi(
    createConfiguration({
      baseServer: new ServerConfiguration(server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async (ctx) => {
            if (ctx.getHttpMethod() === HttpMethod.PATCH) ctx.setQueryParam('fieldValidation', 'Strict');
            return ctx;
          },
          post: async (response) => response,
        },
      ],
    }),
  );
}

async function createNamespace(name: string): Promise<void> {
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

beforeAll(async () => {
  const started = Date.now();
  cp = await startControlPlane({
    crdDirs: [KUBEVIRT_CRDS_DIR],
    users: { alice: ['vdi-users'] },
    log: (line) => process.stderr.write(`[devcluster] ${line}\n`),
  });
  process.stderr.write(`[devcluster] startControlPlane took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  admin = kubeconfig(cp.adminKubeconfig);
  alice = kubeconfig(cp.kubeconfigFor('alice'));
}, 120_000);

afterAll(async () => {
  await cp?.stop();
}, 60_000);

describe('the local control plane', () => {
  it('is a Kubernetes v1.36 API server on loopback', async () => {
    expect(cp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await admin.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.36\.\d+$/);
    expect(() => cp.kubeconfigFor('mallory')).toThrow(/no test user "mallory"/);
    expect(await readFile(cp.frontProxy.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('refuses an unbound user until RBAC binds a role to her group', async () => {
    const namespace = 'rbac-check';
    await createNamespace(namespace);
    const asAlice = alice.makeApiClient(CoreV1Api);

    expect(await statusOf(asAlice.listNamespacedPod({ namespace }))).toBe(403);
    await expect(admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace })).resolves.toBeDefined();

    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    // Bound to the group, not the user: proves the certificate's O became a group.
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'vdi-users-read-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'vdi-users' }],
      },
    });
    // The RBAC authorizer reads bindings from an informer cache: allowed shortly, not instantly.
    await eventually('alice may list pods', async () => {
      try {
        await asAlice.listNamespacedPod({ namespace });
        return true;
      } catch (err) {
        if (err instanceof ApiException && err.code === 403) return false;
        throw err;
      }
    });
    // Still nothing beyond the role.
    expect(await statusOf(asAlice.listNamespacedSecret({ namespace }))).toBe(403);
  });

  it('garbage-collects an object whose owner was deleted', async () => {
    const namespace = 'gc-check';
    await createNamespace(namespace);
    const core = admin.makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid as string }],
        },
      },
    });

    await core.deleteNamespacedConfigMap({ namespace, name: 'owner' });
    await eventually('the dependent ConfigMap is deleted', () =>
      isGone(core.readNamespacedConfigMap({ namespace, name: 'dependent' })),
    );
  });

  it('really deletes a namespace and its contents', async () => {
    const namespace = 'ns-deletion-check';
    await createNamespace(namespace);
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'content' } } });

    await core.deleteNamespace({ name: namespace });
    await eventually('the namespace is gone', () => isGone(core.readNamespace({ name: namespace })), 60_000);
  });

  it('serves the KubeVirt CRDs: a VirtualMachine applies with strict field validation', async () => {
    const vm = parse(
      await readFile(path.join(KUBEVIRT_DIR, 'examples/vm-linux-desktop.yaml'), 'utf8'),
    ) as KubernetesObject;
    await createNamespace(vm.metadata?.namespace as string);
    const applier = strictApplier(admin);

    const applied = await applier.patch(vm, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    expect(applied.metadata?.uid).toBeTruthy();
    expect(applied.metadata?.managedFields?.map((f) => `${f.manager}:${f.operation}`)).toContain(
      `${FIELD_MANAGER}:Apply`,
    );

    // The same request with a field the schema doesn't know is refused, so Strict was in effect.
    const typo = { ...vm, spec: { ...(vm as { spec: object }).spec, runStrategyy: 'Always' } };
    const refused = await applier
      .patch(typo, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(ApiException);
    expect(JSON.stringify((refused as ApiException<unknown>).body)).toContain('runStrategyy');
  });
});
