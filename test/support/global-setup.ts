// One real control plane for the whole integration suite: etcd, kube-apiserver (RBAC on) and
// kube-controller-manager, with our CRDs and KubeVirt's installed. Tests get its kubeconfigs
// through `inject` and each works in a namespace of its own. The operator the tests start is the
// compiled one (dist/cli.js, what the image runs), built here while the control plane starts.
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';
import { ensureBinaries } from '../../local/devcluster/binaries.js';
import { type ControlPlane, startControlPlane } from '../../local/devcluster/controlplane.js';
import { applyManifests, yamlFiles } from '../../local/devcluster/manifests.js';
import { startVirtApi, type VirtApi } from '../../local/simulator/virt-api/index.js';
import { REPO_ROOT } from '../../src/paths.js';
import { makeApply } from '../../src/runtime/apply.js';
import { buildDist, OPERATOR_ENTRYPOINT } from './build.js';
import { kubevirtCrdDirs } from './kubevirt.js';
import { startTestOidc, type TestOidc } from './oidc.js';
import { type ClusterInfo, TEST_USERS } from './users.js';

let controlPlane: ControlPlane | undefined;
let virtApi: VirtApi | undefined;
let oidc: TestOidc | undefined;

export async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => process.stderr.write(`[control plane] ${line}\n`);
  const built = buildDist();
  built.catch(() => {}); // awaited below, after the control plane; not an unhandled rejection meanwhile
  const binaries = await ensureBinaries(log);
  const started = Date.now();
  // Before the control plane: the API server's trust names the issuer's port.
  oidc = await startTestOidc((line) => process.stderr.write(`[oidc] ${line}\n`));
  const cp = await startControlPlane({
    crdDirs: [path.join(REPO_ROOT, 'crds'), ...kubevirtCrdDirs()],
    users: TEST_USERS,
    oidc: [oidc.trust],
    log,
  }).catch(async (err: unknown) => {
    await oidc?.provider.stop(); // its listener would keep vitest from exiting
    throw err;
  });
  controlPlane = cp;
  const admin = new KubeConfig();
  admin.loadFromFile(cp.adminKubeconfig);
  await applyManifests(admin, [
    ...(await yamlFiles(path.join(REPO_ROOT, 'config/admission'))),
    ...(await yamlFiles(path.join(REPO_ROOT, 'config/rbac'))),
  ]);
  // Tests run the operator with exactly the permissions the chart gives it.
  await makeApply(
    admin,
    'kubevdi-test',
  )({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'kubevdi-operator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:operator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kubevdi-operator' }],
  });
  // KubeVirt's subresource API (start/stop, userlist, VNC) through the aggregation layer, for all
  // tests at once: one APIService can point at one server only. VIRT_API_LOG=1 echoes its requests.
  virtApi = await startVirtApi({
    kubeconfig: admin,
    frontProxyCaFile: cp.frontProxy.caFile,
    log: process.env.VIRT_API_LOG ? (line) => process.stderr.write(`[virt-api] ${line}\n`) : undefined,
  });
  log(`ready at ${cp.url} in ${((Date.now() - started) / 1000).toFixed(1)} s (binaries from ${binaries.source})`);
  const build = await built.catch(async (err: unknown) => {
    await teardown();
    throw err;
  });
  process.stderr.write(
    `[build] ${OPERATOR_ENTRYPOINT} fresh in ${(build.ms / 1000).toFixed(1)} s (${build.written} of ${build.emitted.length} files rewritten)\n`,
  );
  // As `tsc` does, type errors do not stop the build (the tests ran src/ through tsx before, which
  // ignores types too); `npm run lint` refuses them.
  if (build.errors) process.stderr.write(`[build] type errors (npm run lint):\n${build.errors}`);
  const info: ClusterInfo = {
    url: cp.url,
    adminKubeconfig: cp.adminKubeconfig,
    userKubeconfigs: Object.fromEntries(Object.keys(TEST_USERS).map((u) => [u, cp.kubeconfigFor(u)])),
    kubectl: binaries.kubectl,
    oidc: oidc.info,
  };
  project.provide('cluster', info);
}

export async function teardown(): Promise<void> {
  await virtApi?.stop();
  await controlPlane?.stop();
  await oidc?.provider.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}
