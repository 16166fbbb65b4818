// The controllers' adapter (src/controllers/actions.ts) made of API calls: deletes of desktops,
// DataVolumes, grants, Services and revisions, and merge patches with resourceVersion
// preconditions (binds, finalizers). One place, so the operator and tests that drive a controller
// directly use the same calls. Every delete that decides on cached state carries the uid it decided
// on (and, where given, the resourceVersion): an object remade under the same name since the cache
// looked, or changed, is someone else's now, and a 409 from the failed precondition means "done".

import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  HttpMethod,
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
import type { ControllerActions, DeletePreconditions, ProfileDiskActions } from './controllers/actions.js';
import type { ResetActions } from './controllers/desktop-reset.js';
import {
  ignoreExists,
  ignoreGone,
  ignoreNotFound,
  isApiError,
  unlessChanged,
  unlessNotFound,
} from './runtime/api-errors.js';
import { apiConfiguration, makeApiClient } from './runtime/client.js';
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
  const profileDisks = makeProfileDiskActions(kc, core, metrics);
  return {
    reset,
    profileDisks,
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

function makeProfileDiskActions(kc: KubeConfig, core: CoreV1Api, metrics?: Metrics): ProfileDiskActions {
  const config = apiConfiguration(kc, metrics);
  const read = (namespace: string, name: string) =>
    unlessNotFound(core.readNamespacedPersistentVolumeClaim({ namespace, name }));
  return {
    read,
    create: async (pvc) => {
      const namespace = pvc.metadata?.namespace as string;
      try {
        return await core.createNamespacedPersistentVolumeClaim({ namespace, body: pvc });
      } catch (err) {
        if (!isApiError(err, 409)) throw err;
        const existing = await read(namespace, pvc.metadata?.name as string);
        if (!existing) throw err;
        return existing;
      }
    },
    annotate: (namespace, name, annotations) =>
      ignoreNotFound(
        core.patchNamespacedPersistentVolumeClaim(
          { namespace, name, body: { metadata: { annotations } }, fieldManager: CLAIMS_FIELD_MANAGER },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    delete: (namespace, name, uid) =>
      unlessChanged(core.deleteNamespacedPersistentVolumeClaim({ namespace, name, body: { preconditions: { uid } } })),
    // A subresource of KubeVirt's aggregated API, which client-node has no typed call for.
    addVolume: async (namespace, desktop, options) => {
      const path = `/apis/subresources.kubevirt.io/v1/namespaces/${encodeURIComponent(namespace)}/virtualmachines/${encodeURIComponent(desktop)}/addvolume`;
      const request = config.baseServer.makeRequestContext(path, HttpMethod.PUT);
      request.setHeaderParam('Content-Type', 'application/json');
      request.setBody(JSON.stringify(options));
      await config.authMethods.default?.applySecurityAuthentication(request);
      const response = await config.httpApi.send(request).toPromise();
      if (response.httpStatusCode >= 300) {
        const body = await response.body.text();
        throw new ApiException(
          response.httpStatusCode,
          `addvolume of ${namespace}/${desktop}: ${body.slice(0, 300)}`,
          body,
          {},
        );
      }
    },
  };
}
