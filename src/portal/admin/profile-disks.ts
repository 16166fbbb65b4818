// People's profile disks in the Admin Portal (issue 18): listed per pool, and deleted by an
// administrator who may (RBAC: delete persistentvolumeclaims), as themself. A disk still carried by
// a desktop is not deleted (release the desktop first), only a PVC kubevdi made as a profile disk
// is, and the deletion is recorded as an Event naming who did it and whose disk it was.
import { CoreV1Api, CustomObjectsApi, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { LABELS } from '../../api/labels.js';
import {
  attachedProfileDisk,
  PROFILE_OF_LABEL,
  PROFILE_PERSON_ANNOTATION,
  PROFILE_RELEASED_ANNOTATION,
} from '../../render/profile-disk.js';
import { type ApiError, ClaimParams } from '../api-types.js';
import { isForbiddenOrMissing } from '../kube-errors.js';
import type { AsPerson } from '../person.js';
import { whoami } from '../whoami.js';
import { recordAdminEvent } from './admin-events.js';
import type { VmObject } from './summary.js';
import { type AdminProfileDisk, ProfileDiskList } from './types.js';

export interface ProfileDiskRoutesOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
}

export function profileDiskRoutes(app: FastifyInstance, { asPerson, refuse }: ProfileDiskRoutesOptions): void {
  app.get(
    '/api/admin/pools/:namespace/:name/profile-disks',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a pool name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const labelSelector = `${LABELS.pool}=${name},${PROFILE_OF_LABEL}`;
      const [pvcs, vms] = await Promise.all([
        kc
          .makeApiClient(CoreV1Api)
          .listNamespacedPersistentVolumeClaim({ namespace, labelSelector })
          .catch((err: unknown) => {
            if (isForbiddenOrMissing(err)) return undefined;
            throw err;
          }),
        kc
          .makeApiClient(CustomObjectsApi)
          .listNamespacedCustomObject({ ...VIRTUAL_MACHINES, namespace, labelSelector: `${LABELS.pool}=${name}` })
          .then((list) => (list as { items: VmObject[] }).items)
          .catch(() => [] as VmObject[]),
      ]);
      if (!pvcs) return ProfileDiskList.parse({ disks: [], visible: false });
      const carriedBy = new Map<string, string>();
      for (const vm of vms) {
        const disk = attachedProfileDisk(vm as Parameters<typeof attachedProfileDisk>[0]);
        if (disk) carriedBy.set(disk, vm.metadata?.name as string);
      }
      const disks = pvcs.items.map((pvc) => row(pvc, carriedBy)).sort((a, b) => a.name.localeCompare(b.name));
      return ProfileDiskList.parse({ disks, visible: true });
    }),
  );

  app.delete(
    '/api/admin/profile-disks/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a disk name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const core = kc.makeApiClient(CoreV1Api);
      const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace, name });
      const labels = pvc.metadata?.labels ?? {};
      if (!labels[PROFILE_OF_LABEL] || !labels[LABELS.pool])
        return refuse(reply, 404, { error: `${name} is not a profile disk`, kind: 'not-found' });
      const pool = labels[LABELS.pool] as string;
      const vms = await kc
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ ...VIRTUAL_MACHINES, namespace, labelSelector: `${LABELS.pool}=${pool}` })
        .then((list) => (list as { items: VmObject[] }).items);
      const carrier = vms.find((vm) => attachedProfileDisk(vm as Parameters<typeof attachedProfileDisk>[0]) === name);
      if (carrier)
        return refuse(reply, 409, {
          error: `${name} is attached to desktop ${carrier.metadata?.name}; release that desktop first`,
          kind: 'conflict',
        });
      // Only the disk that was looked at: one made again under the name since is not deleted.
      await core.deleteNamespacedPersistentVolumeClaim({
        namespace,
        name,
        body: { preconditions: { uid: pvc.metadata?.uid } },
      });
      const { username } = await whoami(kc);
      const person = pvc.metadata?.annotations?.[PROFILE_PERSON_ANNOTATION] ?? 'an unknown person';
      await recordAdminEvent(kc, request.log, {
        actor: username,
        namespace,
        involved: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, uid: pvc.metadata?.uid },
        reason: 'ProfileDiskDeleted',
        message: `${username} deleted ${person}'s profile disk ${name} of pool ${pool} from the Admin Portal`,
      });
      request.log.info(
        { audit: 'profile-disk-deleted', by: username, disk: `${namespace}/${name}`, person },
        'profile disk deleted',
      );
      return reply.code(204).send();
    }),
  );
}

function row(pvc: V1PersistentVolumeClaim, carriedBy: ReadonlyMap<string, string>): AdminProfileDisk {
  const name = pvc.metadata?.name as string;
  const annotations = pvc.metadata?.annotations ?? {};
  const desktop = carriedBy.get(name);
  const size = pvc.spec?.resources?.requests?.storage;
  return {
    namespace: pvc.metadata?.namespace as string,
    name,
    ...(annotations[PROFILE_PERSON_ANNOTATION] ? { person: annotations[PROFILE_PERSON_ANNOTATION] } : {}),
    ...(size ? { size: String(size) } : {}),
    ...(pvc.status?.phase ? { phase: pvc.status.phase } : {}),
    ...(annotations[PROFILE_RELEASED_ANNOTATION] ? { lastReleased: annotations[PROFILE_RELEASED_ANNOTATION] } : {}),
    ...(desktop ? { desktop } : {}),
  };
}
