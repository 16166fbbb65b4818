// The controllers' adapter (src/controllers/actions.ts) made of API calls: deletes of desktops,
// DataVolumes, grants, Services and revisions, and merge patches with resourceVersion
// preconditions (binds, finalizers). One place, so the operator and tests that drive a controller
// directly use the same calls. Every delete that decides on cached state carries the uid it decided
// on (and, where given, the resourceVersion): an object remade under the same name since the cache
// looked, or changed, is someone else's now, and a 409 from the failed precondition means "done".

import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { CLAIMS } from './api/desktopclaim.js';
import { CLAIMS_FIELD_MANAGER } from './api/field-managers.js';
import { DATA_VOLUMES, MIGRATIONS, VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from './api/kubernetes-kinds.js';
import { pathOf } from './api/resource-type.js';
import type { ControllerActions, DeletePreconditions } from './controllers/actions.js';
import type { ResetActions } from './controllers/desktop-reset.js';
import { ignoreExists, ignoreGone, ignoreNotFound, unlessChanged, unlessNotFound } from './runtime/api-errors.js';
import { makeApiClient } from './runtime/client.js';
import type { Metrics } from './runtime/metrics.js';

export function makeOperatorActions(kc: KubeConfig, metrics?: Metrics): ControllerActions {
  const custom = makeApiClient(kc, CustomObjectsApi, metrics);
  const rbac = makeApiClient(kc, RbacAuthorizationV1Api, metrics);
  const apps = makeApiClient(kc, AppsV1Api, metrics);
  const core = makeApiClient(kc, CoreV1Api, metrics);
  const networking = makeApiClient(kc, NetworkingV1Api, metrics);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const vmPath = pathOf(VIRTUAL_MACHINES);
  const dvPath = pathOf(DATA_VOLUMES);
  // Policy and preconditions both in the body: with a body, the API server reads DeleteOptions
  // from it alone and ignores the propagationPolicy query parameter.
  const foreground = (preconditions: DeletePreconditions) => ({ propagationPolicy: 'Foreground', preconditions });

  /**
   * Foreground: the VM stays until its DataVolume is gone, so a desktop recreated under the same
   * name never meets its predecessor's disk. The uid precondition keeps a decision taken on a stale
   * cache from removing the desktop made anew under that name since; the resourceVersion (when
   * given) from removing a desktop bound a moment ago. The change that made the cache stale
   * enqueues the pool again.
   */
  const deleteDesktop = (namespace: string, name: string, preconditions: DeletePreconditions) =>
    unlessChanged(custom.deleteNamespacedCustomObject({ ...vmPath, namespace, name, body: foreground(preconditions) }));
  /** Merge patches of a desktop's annotations and runStrategy, guarded by `body.metadata.resourceVersion`. */
  const patchDesktop = async (namespace: string, name: string, body: object) => {
    await custom.patchNamespacedCustomObject(
      { ...vmPath, namespace, name, body, fieldManager: CLAIMS_FIELD_MANAGER },
      mergePatch,
    );
  };
  const reset: ResetActions = {
    readDataVolume: async (namespace, name) => {
      const dv = (await unlessNotFound(custom.getNamespacedCustomObject({ ...dvPath, namespace, name }))) as
        | KubernetesObject
        | undefined;
      return dv && { uid: dv.metadata?.uid as string, creationTimestamp: String(dv.metadata?.creationTimestamp) };
    },
    deleteDataVolume: (namespace, name, uid) =>
      ignoreGone(custom.deleteNamespacedCustomObject({ ...dvPath, namespace, name, body: foreground({ uid }) })),
    patchDesktop,
  };
  return {
    reset,
    patchDesktop,
    deleteDesktop,
    patchClaim: async (namespace, name, body) => {
      await custom.patchNamespacedCustomObject(
        { ...pathOf(CLAIMS), namespace, name, body, fieldManager: CLAIMS_FIELD_MANAGER },
        mergePatch,
      );
    },
    liveClaimUid: async (namespace, name) => {
      const claim = await unlessNotFound(
        custom.getNamespacedCustomObject({ ...pathOf(CLAIMS), namespace, name }) as Promise<KubernetesObject>,
      );
      return claim?.metadata?.uid;
    },
    deleteGrant: async (namespace, name, parts) => {
      // The binding first: the person loses the grant before its rules go.
      const body = (part: { uid?: string }) => (part.uid ? { preconditions: { uid: part.uid } } : undefined);
      if (parts.binding)
        await ignoreGone(rbac.deleteNamespacedRoleBinding({ namespace, name, body: body(parts.binding) }));
      if (parts.role) await ignoreGone(rbac.deleteNamespacedRole({ namespace, name, body: body(parts.role) }));
    },
    deleteService: (namespace, name) => ignoreNotFound(core.deleteNamespacedService({ namespace, name })),
    deleteNetworkPolicy: (namespace, name) =>
      ignoreNotFound(networking.deleteNamespacedNetworkPolicy({ namespace, name })),
    deleteRevision: (namespace, name) => ignoreNotFound(apps.deleteNamespacedControllerRevision({ namespace, name })),
    migrateDesktop: async (namespace, desktop, migration, labels) => {
      const body = {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachineInstanceMigration',
        metadata: { name: migration, namespace, labels },
        spec: { vmiName: desktop },
      };
      await ignoreExists(custom.createNamespacedCustomObject({ ...pathOf(MIGRATIONS), namespace, body }));
    },
    restartDesktop: async (namespace, desktop, instanceUid) => {
      await ignoreGone(
        custom.deleteNamespacedCustomObject({
          ...pathOf(VIRTUAL_MACHINE_INSTANCES),
          namespace,
          name: desktop,
          body: { preconditions: { uid: instanceUid } },
        }),
      );
    },
  };
}
