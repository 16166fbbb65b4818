// The person's desktop, as KubeVirt's VirtualMachine, read and changed as the person: their grant
// allows get/watch on it and update on its start, stop and restart subresources.

import {
  ApiException,
  CustomObjectsApi,
  createConfiguration,
  HttpMethod,
  type KubeConfig,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { VIRTUAL_MACHINES } from '../api/kubernetes-kinds.js';
import type { PowerAction } from './api-types.js';
import { isForbiddenOrMissing } from './kube-errors.js';
import type { VmObject } from './kube-objects.js';

/** The desktop as the person may see it; undefined when they may not (or it is gone). */
export async function readVm(kc: KubeConfig, namespace: string, name: string): Promise<VmObject | undefined> {
  try {
    return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      ...VIRTUAL_MACHINES,
      namespace,
      name,
    })) as VmObject;
  } catch (err) {
    if (isForbiddenOrMissing(err)) return undefined;
    throw err;
  }
}

export function powerPath(namespace: string, name: string, action: PowerAction): string {
  return `/apis/subresources.kubevirt.io/v1/namespaces/${encodeURIComponent(namespace)}/virtualmachines/${encodeURIComponent(name)}/${action}`;
}

/**
 * PUT virtualmachines/NAME/{start,stop,restart} as the person, as `virtctl` does. KubeVirt's
 * refusals (403 from RBAC, 409 "VM is not running"...) are thrown as ApiExceptions, so the portal
 * passes them on like any other refusal of the API server.
 */
export async function powerAction(kc: KubeConfig, namespace: string, name: string, action: PowerAction): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const config = createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc } });
  const request = config.baseServer.makeRequestContext(powerPath(namespace, name, action), HttpMethod.PUT);
  request.setHeaderParam('Content-Type', 'application/json');
  request.setHeaderParam('Accept', 'application/json');
  request.setBody('{}');
  await config.authMethods.default?.applySecurityAuthentication(request);
  const response = await config.httpApi.send(request).toPromise();
  const body = await response.body.text();
  if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return;
  throw new ApiException(response.httpStatusCode, `${action} ${namespace}/${name}`, body, response.headers);
}
