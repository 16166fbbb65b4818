// kube-apiserver configured like a small real cluster (RBAC, the usual admission plugins,
// service-account tokens, the aggregation layer), listening on loopback only.

import type { ManagedProcess, ProcessSpec } from '../process.js';
import { get, type TlsClient } from './http.js';
import type { Pki } from './pki.js';
import { FRONT_PROXY_CLIENT } from './pki.js';
import { waitFor } from './wait.js';

export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** The first address of the range; the API server gives it to the `kubernetes` Service. */
export const KUBERNETES_SERVICE_IP = '10.0.0.1';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** What clients may call the API server; all go into its serving certificate. */
export const SERVING_HOSTS = [
  '127.0.0.1',
  'localhost',
  KUBERNETES_SERVICE_IP,
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

/**
 * Named explicitly rather than left to the defaults so the set is the same on every supported
 * release (setup-envtest may hand us 1.34) and reads as a statement of what we test against.
 * These are the defaults of 1.36 that matter without nodes, plus NodeRestriction as kubeadm
 * enables it. Plugins about pods on nodes (TaintNodesByCondition, PodTopologyLabels, ...) stay
 * at their defaults; none of the added ones needs a kubelet to behave.
 */
export const ADMISSION_PLUGINS = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'NodeRestriction',
  // As OpenShift (where KubeVirt often runs) enables it: setting blockOwnerDeletion needs the
  // right to update the owner's finalizers, so the operator's ClusterRole is tested for it.
  'OwnerReferencesPermissionEnforcement',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

export interface ApiServerOptions {
  binary: string;
  port: number;
  etcdUrl: string;
  pki: Pki;
  logFile: string;
  /** An AuthenticationConfiguration file (OIDC issuers to trust), see authentication.ts. */
  authenticationConfigFile?: string;
}

function apiServerArgs(options: ApiServerOptions): string[] {
  const { pki } = options;
  return [
    `--etcd-servers=${options.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${options.port}`,
    `--tls-cert-file=${pki.serving.certFile}`,
    `--tls-private-key-file=${pki.serving.keyFile}`,
    // Users are client certificates: CN is the name, each O a group.
    `--client-ca-file=${pki.caFile}`,
    '--authorization-mode=Node,RBAC',
    `--enable-admission-plugins=${ADMISSION_PLUGINS.join(',')}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // The default reconciler publishes our advertise address as the `kubernetes` Service's
    // endpoint, and Endpoints refuse loopback addresses: it would fail and log every 10 s.
    // Nothing here runs pods that would use that Service.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${pki.serviceAccount.publicKeyFile}`,
    `--service-account-signing-key-file=${pki.serviceAccount.privateKeyFile}`,
    // The aggregation layer: the API server proxies to aggregated APIs with the front-proxy
    // client certificate and passes the authenticated user in these headers.
    `--requestheader-client-ca-file=${pki.frontProxy.caFile}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxy.clientCertFile}`,
    `--proxy-client-key-file=${pki.frontProxy.clientKeyFile}`,
    ...(options.authenticationConfigFile ? [`--authentication-config=${options.authenticationConfigFile}`] : []),
  ];
}

export function apiServerSpec(options: ApiServerOptions): ProcessSpec {
  return { name: 'kube-apiserver', command: options.binary, args: apiServerArgs(options), logFile: options.logFile };
}

/**
 * /readyz covers etcd, the informers and the post-start hooks — RBAC's bootstrap roles included,
 * so authorization behaves from the first request on.
 */
export async function waitForReadyz(
  url: string,
  tls: TlsClient,
  server: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `${url}/readyz`,
    async () => {
      const { status, body } = await get(`${url}/readyz`, tls, 3000);
      if (status === 200) return true;
      throw new Error(`HTTP ${status}: ${summarizeReadyz(body)}`);
    },
    { timeoutMs, intervalMs: 100, process: server },
  );
}

/** /readyz lists every check; the failing ones are what a timeout message needs. */
function summarizeReadyz(body: string): string {
  const failing = body.split('\n').filter((line) => line.startsWith('[-]'));
  return failing.length > 0 ? failing.join('; ') : body.slice(0, 300);
}
