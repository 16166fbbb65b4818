// Status goes through the status subresource with server-side apply (field manager `kubevdi`),
// and only when it differs from what the cache shows: an operator with nothing to change writes
// nothing.
import { isDeepStrictEqual } from 'node:util';
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ResourceType } from '../api/resource-type.js';
import { makeApiClient } from './client.js';
import type { Metrics } from './metrics.js';

/** The object as the API server returned it after a status write. */
export type StatusWritten = KubernetesObject & { status?: unknown };

/** Writes a status; the object as written, or undefined when the cache showed it so already (nothing written). */
export type WriteStatus = <S extends object>(
  type: ResourceType,
  current: KubernetesObject & { status?: unknown },
  status: S,
) => Promise<StatusWritten | undefined>;

/**
 * Is every field we would write already what the object shows? A key given as `undefined` must
 * be absent: apply drops it, which removes a field this manager wrote before.
 */
export function statusUpToDate(current: unknown, desired: object): boolean {
  const shown = (current ?? {}) as Record<string, unknown>;
  return Object.entries(desired).every(([key, value]) =>
    value === undefined ? shown[key] === undefined : isDeepStrictEqual(shown[key], value),
  );
}

/** `fieldManager`: two writers of one status each own their fields (apply removes what a manager no longer sends). */
export function makeStatusWriter(kc: KubeConfig, fieldManager: string, metrics?: Metrics): WriteStatus {
  const api = makeApiClient(kc, CustomObjectsApi, metrics);
  return async (type, current, status) => {
    if (statusUpToDate(current.status, status)) return undefined;
    const { name, namespace } = current.metadata ?? {};
    if (!name || !namespace) throw new Error('status of an object without name or namespace');
    return (await api.patchNamespacedCustomObjectStatus(
      {
        group: type.group,
        version: type.version,
        plural: type.plural,
        namespace,
        name,
        fieldManager,
        force: true,
        body: { apiVersion: current.apiVersion, kind: current.kind, metadata: { name, namespace }, status },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    )) as StatusWritten;
  };
}
