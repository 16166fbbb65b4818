// kube-controller-manager with only the controllers that matter without nodes: what makes
// deletion real (owner-reference garbage collection, namespace termination) and what every
// namespace of a real cluster has (the `default` ServiceAccount, kube-root-ca.crt).

import type { ManagedProcess, ProcessSpec } from '../process.js';
import { get, type TlsClient } from './http.js';
import { waitFor } from './wait.js';

/** Canonical 1.36 names (the short pre-1.28 names are only aliases). */
export const CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  // Aggregated ClusterRoles (admin/edit/view pick up rules labelled aggregate-to-*, as KubeVirt's
  // and our own roles are): without it, binding a user to `edit` grants less than in a cluster.
  'clusterrole-aggregation-controller',
  // The ResourceQuota admission plugin refuses objects in a namespace with a quota whose status
  // this controller has not computed yet.
  'resourcequota-controller',
  // Writes type-checking warnings into ValidatingAdmissionPolicy status, as a cluster does.
  'validatingadmissionpolicy-status-controller',
];

export interface ControllerManagerOptions {
  binary: string;
  kubeconfig: string;
  caFile: string;
  serviceAccountKeyFile: string;
  logFile: string;
}

export function controllerManagerSpec(options: ControllerManagerOptions): ProcessSpec {
  return {
    name: 'kube-controller-manager',
    command: options.binary,
    logFile: options.logFile,
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--controllers=${CONTROLLERS.join(',')}`,
      '--leader-elect=false',
      // Nothing scrapes it; a port would only be one more thing that can collide.
      '--secure-port=0',
      `--service-account-private-key-file=${options.serviceAccountKeyFile}`,
      `--root-ca-file=${options.caFile}`,
      // The default client limit (20 requests/s) makes garbage collection lag by many seconds
      // while a test suite creates and deletes hundreds of objects at once.
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--concurrent-gc-syncs=40',
    ],
  };
}

/**
 * The serviceaccount controller creating `default/default` shows the manager is connected and
 * its controllers run. Later tests may rely on it (pods need their ServiceAccount to be admitted).
 */
export async function waitForControllers(
  url: string,
  tls: TlsClient,
  manager: ManagedProcess,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  await waitFor(
    'the default ServiceAccount (created by kube-controller-manager)',
    async () => {
      const { status } = await get(`${url}/api/v1/namespaces/default/serviceaccounts/default`, tls);
      return status === 200 ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, process: manager, signal },
  );
}
