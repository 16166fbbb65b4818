// Makes the API server send `subresources.kubevirt.io/v1` to this process: the APIService KubeVirt
// registers (pkg/virt-operator/resource/generate/components/apiservices.go), pointing at a Service
// `virt-api` in namespace `kubevirt`. There are no pods and no kube-proxy here, so the Service is an
// ExternalName for localhost on our port (verified to work, FACTS.md). Server-side apply, so a
// restarted simulator takes the registration over with its new port and CA.
import {
  ApiregistrationV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1APIService,
} from '@kubernetes/client-node';
import { errorMessage, isConflict, isNotFound } from '../kube.js';
import { GROUP, VERSION } from './discovery.js';

export const API_SERVICE = `${VERSION}.${GROUP}`;
export const NAMESPACE = 'kubevirt';
export const SERVICE = 'virt-api';
export const FIELD_MANAGER = 'kubevdi-simulator';
/** The DNS name the aggregator verifies the serving certificate for. */
export const SERVICE_DNS_NAME = `${SERVICE}.${NAMESPACE}.svc`;

export interface Registration {
  port: number;
  /** PEM of the CA that signed our serving certificate. */
  caPem: string;
}

export async function register(kc: KubeConfig, { port, caPem }: Registration): Promise<void> {
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const apply = (obj: KubernetesObject) =>
    objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: SERVICE, namespace: NAMESPACE },
    spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  } as KubernetesObject);
  await apply({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: API_SERVICE },
    spec: {
      group: GROUP,
      version: VERSION,
      groupPriorityMinimum: 1000,
      versionPriority: 15,
      service: { namespace: NAMESPACE, name: SERVICE, port },
      caBundle: Buffer.from(caPem).toString('base64'),
    },
  } as KubernetesObject);
}

/**
 * Resolves once the APIService is Available and `confirmed()` (that the aggregator reached *this*
 * process: a condition left from an earlier registration may still read True for a moment).
 * A one-off wait at start-up, so it polls.
 */
export async function waitAvailable(kc: KubeConfig, confirmed: () => boolean, timeoutMs = 60_000): Promise<void> {
  const api = kc.makeApiClient(ApiregistrationV1Api);
  const deadline = Date.now() + timeoutMs;
  let last = 'no Available condition yet';
  for (;;) {
    const service = await api.readAPIServiceStatus({ name: API_SERVICE }).catch((err: unknown) => {
      last = errorMessage(err);
      return undefined;
    });
    const available = service?.status?.conditions?.find((c) => c.type === 'Available');
    if (available) last = `${available.status}: ${available.reason ?? ''} ${available.message ?? ''}`.trim();
    if (available?.status === 'True' && confirmed()) return;
    if (Date.now() > deadline) {
      throw new Error(`APIService ${API_SERVICE} not Available after ${timeoutMs / 1000} s (Available=${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Removes the APIService if it still points at `port`. Left behind, an unavailable aggregated API
 * breaks discovery for everyone, and with it namespace deletion.
 */
export async function unregister(kc: KubeConfig, port: number): Promise<void> {
  const api = kc.makeApiClient(ApiregistrationV1Api);
  for (let attempt = 0; attempt < 3; attempt++) {
    let current: V1APIService;
    try {
      current = await api.readAPIService({ name: API_SERVICE });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (current.spec?.service?.port !== port) return;
    try {
      await api.deleteAPIService({
        name: API_SERVICE,
        body: { preconditions: { resourceVersion: current.metadata?.resourceVersion } },
      });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
    }
  }
}
