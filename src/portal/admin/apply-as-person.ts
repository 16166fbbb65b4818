// What the Admin Portal's editors (pools, templates) do to the cluster, as the person: read the
// object as it is now (undefined if there is none), and server-side apply it — first as a dry
// run whose refusal is the API server's own schema and CEL messages, then for real.
import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { PORTAL_FIELD_MANAGER } from '../../api/field-managers.js';
import type { Kind } from '../readable.js';
import type { KubeObject } from './committable.js';

/** A DNS label: what a namespace, pool or template name must be before it goes into a URL. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function liveObject(
  kc: KubeConfig,
  kind: Kind,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return (await kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ ...kind, namespace, name })) as KubeObject;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/** Server-side apply as the person; `force` takes fields over from other appliers (they were warned). */
export function applyObject(kc: KubeConfig, kind: Kind, object: KubeObject, dryRun: boolean): Promise<KubeObject> {
  const { namespace, name } = object.metadata as { namespace: string; name: string };
  return kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    {
      ...kind,
      namespace,
      name,
      body: object,
      dryRun: dryRun ? 'All' : undefined,
      fieldManager: PORTAL_FIELD_MANAGER,
      fieldValidation: 'Strict',
      force: true,
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  ) as Promise<KubeObject>;
}
