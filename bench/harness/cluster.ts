// The benchmark's own control plane: etcd, kube-apiserver and kube-controller-manager started
// fresh for one run with startControlPlane (never the test suite's, which other work shares),
// with our CRDs and KubeVirt's, the admission policy and the operator's ClusterRole bound to the
// user the operator runs as, exactly as the chart binds it. The operator is the compiled
// dist/cli.js, built here while the control plane starts.
import path from 'node:path';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { ensureBinaries } from '../../local/devcluster/binaries.js';
import { type ControlPlane, startControlPlane } from '../../local/devcluster/controlplane.js';
import { applyManifests, yamlFiles } from '../../local/devcluster/manifests.js';
import { REPO_ROOT } from '../../src/paths.js';
import { makeApply } from '../../src/runtime/apply.js';
import { buildDist } from '../../test/support/build.js';
import { kubevirtCrdDirs } from '../../test/support/kubevirt.js';

/** The user the operator runs as: bound to kubevdi:operator and nothing else. */
export const OPERATOR_USER = 'kubevdi-operator';

export interface BenchCluster {
  controlPlane: ControlPlane;
  adminKubeconfigFile: string;
  operatorKubeconfigFile: string;
  admin: KubeConfig;
  /** `v1.34.1`, from the API server's /version. */
  kubernetesVersion: string;
  stop(): Promise<void>;
}

export async function startBenchCluster(log: (line: string) => void): Promise<BenchCluster> {
  const built = buildDist();
  built.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  await ensureBinaries(log);
  const cp = await startControlPlane({
    crdDirs: [path.join(REPO_ROOT, 'crds'), ...kubevirtCrdDirs()],
    users: { [OPERATOR_USER]: [] },
    log,
  });
  try {
    const admin = new KubeConfig();
    admin.loadFromFile(cp.adminKubeconfig);
    await applyManifests(
      admin,
      [
        ...(await yamlFiles(path.join(REPO_ROOT, 'config/admission'))),
        ...(await yamlFiles(path.join(REPO_ROOT, 'config/rbac'))),
      ],
      'kubevdi-bench',
    );
    await makeApply(
      admin,
      'kubevdi-bench',
    )({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubevdi-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:operator' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OPERATOR_USER }],
    });
    const version = await admin.makeApiClient(VersionApi).getCode();
    const build = await built;
    if (build.errors) log(`dist/ built with type errors (npm run lint):\n${build.errors}`);
    return {
      controlPlane: cp,
      adminKubeconfigFile: cp.adminKubeconfig,
      operatorKubeconfigFile: cp.kubeconfigFor(OPERATOR_USER),
      admin,
      kubernetesVersion: version.gitVersion,
      stop: () => cp.stop(),
    };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}
