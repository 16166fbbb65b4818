// The writes the controllers make to objects they do not own by server-side apply: deletes of
// desktops, DataVolumes, grants, and merge patches with resourceVersion preconditions (binds,
// finalizers). One place, so the operator and tests that drive a controller directly use the same
// calls. Every delete that decides on cached state carries the uid it decided on (and, where
// given, the resourceVersion): an object remade under the same name since the cache looked, or
// changed, is someone else's now, and a 409 from the failed precondition means "done".

import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { CLAIMS } from './api/desktopclaim.js';
import { CLAIMS_FIELD_MANAGER } from './api/field-managers.js';
import { DATA_VOLUMES, VIRTUAL_MACHINES } from './api/kubernetes-kinds.js';
import { pathOf } from './api/resource-type.js';
import type { ResetActions } from './controllers/desktop-reset.js';
import type { ClaimActions, DeletePreconditions } from './controllers/desktopclaim.js';
import { makeApiClient } from './runtime/client.js';
import type { Metrics } from './runtime/metrics.js';

export interface OperatorActions extends ClaimActions {
  reset: ResetActions;
}

export function makeOperatorActions(kc: KubeConfig, metrics?: Metrics): OperatorActions {
  const custom = makeApiClient(kc, CustomObjectsApi, metrics);
  const rbac = makeApiClient(kc, RbacAuthorizationV1Api, metrics);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const vmPath = pathOf(VIRTUAL_MACHINES);

  /**
   * Foreground: the VM stays until its DataVolume is gone, so a desktop recreated under the same
   * name never meets its predecessor's disk. The uid precondition keeps a decision taken on a stale
   * cache from removing the desktop made anew under that name since; the resourceVersion (when
   * given) from removing a desktop bound a moment ago. The change that made the cache stale
   * enqueues the pool again.
   */
  const deleteDesktop = async (namespace: string, name: string, preconditions: DeletePreconditions) => {
    try {
      // Policy and preconditions both in the body: with a body, the API server reads DeleteOptions
      // from it alone and ignores the propagationPolicy query parameter.
      await custom.deleteNamespacedCustomObject({
        ...vmPath,
        namespace,
        name,
        body: { propagationPolicy: 'Foreground', preconditions },
      });
      return true;
    } catch (err) {
      if (err instanceof ApiException && (err.code === 404 || err.code === 409)) return false;
      throw err;
    }
  };
  /** Merge patches of a desktop's annotations and runStrategy, guarded by `body.metadata.resourceVersion`. */
  const patchDesktop = async (namespace: string, name: string, body: object) => {
    await custom.patchNamespacedCustomObject(
      { ...vmPath, namespace, name, body, fieldManager: CLAIMS_FIELD_MANAGER },
      mergePatch,
    );
  };
  const dvPath = pathOf(DATA_VOLUMES);
  const reset: ResetActions = {
    readDataVolume: async (namespace, name) => {
      try {
        const dv = (await custom.getNamespacedCustomObject({ ...dvPath, namespace, name })) as KubernetesObject;
        return { uid: dv.metadata?.uid as string, creationTimestamp: String(dv.metadata?.creationTimestamp) };
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    },
    deleteDataVolume: async (namespace, name, uid) => {
      try {
        await custom.deleteNamespacedCustomObject({
          ...dvPath,
          namespace,
          name,
          body: { propagationPolicy: 'Foreground', preconditions: { uid } },
        });
      } catch (err) {
        if (!(err instanceof ApiException && (err.code === 404 || err.code === 409))) throw err;
      }
    },
    patchDesktop,
  };
  return {
    reset,
    patchDesktop,
    deleteDesktop,
    patchClaim: async (namespace, name, body) => {
      await custom.patchNamespacedCustomObject(
        {
          group: CLAIMS.group,
          version: CLAIMS.version,
          plural: CLAIMS.plural,
          namespace,
          name,
          body,
          fieldManager: CLAIMS_FIELD_MANAGER,
        },
        mergePatch,
      );
    },
    deleteGrant: async (namespace, name, parts) => {
      // The binding first: the person loses the grant before its rules go.
      const body = (part: { uid?: string }) => (part.uid ? { preconditions: { uid: part.uid } } : undefined);
      if (parts.binding)
        await ignoreGone(rbac.deleteNamespacedRoleBinding({ namespace, name, body: body(parts.binding) }));
      if (parts.role) await ignoreGone(rbac.deleteNamespacedRole({ namespace, name, body: body(parts.role) }));
    },
  };
}

/** 404: gone already; 409: a uid precondition failed, it is another object now. Done either way. */
async function ignoreGone(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!(err instanceof ApiException && (err.code === 404 || err.code === 409))) throw err;
  }
}

export async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
}
