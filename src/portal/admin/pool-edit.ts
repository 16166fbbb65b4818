// Creating, changing, pausing, scaling and deleting pools from the Admin Portal, as the person.
// Every change is a server-side apply (field manager kubevdi-portal): first as a dry run, whose
// refusal is the API server's own schema and CEL messages, field by field; nothing is written
// until the person submits and the dry run passes. A pool GitOps keeps is not written until the
// person has seen that the change will be reverted (and been offered the YAML to commit).

import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PORTAL_FIELD_MANAGER } from '../../api/field-managers.js';
import { MAX_POOL_SIZE, POOLS } from '../../api/virtualdesktoppool.js';
import type { ApiError } from '../api-types.js';
import { ClaimParams } from '../api-types.js';
import type { AsPerson } from '../person.js';
import { recordObjectChange } from './admin-events.js';
import { applyObject, DNS_LABEL, liveObject } from './apply-as-person.js';
import { changedPaths } from './committable.js';
import { gitopsManagers } from './gitops.js';
import { PoolCheck, PoolPatch, PoolRequest, PoolSource } from './pool-edit-types.js';
import { causesOf, formOf, type PoolObject, poolOf, yamlOf } from './pool-form.js';

export interface PoolEditOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
}

/** A change to a pool, recorded as an Event naming the person: who scaled the pool on Monday morning. */
const recordPoolChange = (
  kc: KubeConfig,
  request: FastifyRequest,
  pool: { namespace: string; name: string; uid?: string },
  reason: string,
  did: string,
) => recordObjectChange(kc, request.log, { ...pool, kind: 'VirtualDesktopPool' }, reason, did);

export function poolEditRoutes(app: FastifyInstance, { asPerson, refuse }: PoolEditOptions): void {
  app.get(
    '/api/admin/pools/:namespace/:name/source',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a pool name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const pool = (await kc
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...POOLS, namespace, name })) as PoolObject & {
        metadata: Parameters<typeof gitopsManagers>[0];
      };
      return PoolSource.parse({
        form: formOf(pool),
        yaml: yamlOf(pool),
        paused: pool.spec?.paused === true,
        gitops: gitopsManagers(pool.metadata),
      });
    }),
  );

  app.post(
    '/api/admin/pools/:namespace',
    asPerson(async (kc, request, reply) => {
      const namespace = String((request.params as { namespace?: string }).namespace ?? '');
      const body = PoolRequest.safeParse(request.body);
      if (!DNS_LABEL.test(namespace) || !body.success)
        return refuse(reply, 400, { error: 'expected a pool form', kind: 'invalid' });
      const { name, create, dryRun, overrideGitOps, form } = body.data;
      if (!name)
        return PoolCheck.parse({
          valid: false,
          written: false,
          causes: [{ field: 'name', message: 'a pool needs a name' }],
          gitops: [],
        });
      // A name the API server will not put in a URL is refused as its own validation would.
      const live = DNS_LABEL.test(name) ? await liveObject(kc, POOLS, namespace, name) : undefined;
      if (create && live)
        return PoolCheck.parse({
          valid: false,
          written: false,
          causes: [{ field: 'name', message: `a pool named ${name} already exists in ${namespace}` }],
          gitops: [],
        });
      if (!create && !live)
        return refuse(reply, 404, { error: `pool ${namespace}/${name} no longer exists`, kind: 'not-found' });
      const desired = poolOf(namespace, name, form);
      const gitops = live ? gitopsManagers(live.metadata, changedPaths(live, desired)) : [];
      let result: PoolObject;
      try {
        result = await applyObject(kc, POOLS, desired, true);
      } catch (err) {
        if (err instanceof ApiException && (err.code === 422 || err.code === 400))
          return PoolCheck.parse({ valid: false, written: false, causes: causesOf(err.body), gitops });
        throw err;
      }
      if (dryRun || (gitops.length > 0 && !overrideGitOps))
        return PoolCheck.parse({ valid: true, written: false, causes: [], yaml: yamlOf(result), gitops });
      const written = await applyObject(kc, POOLS, desired, false);
      request.log.info({ pool: `${namespace}/${name}`, create }, 'pool applied from the Admin Portal');
      await recordPoolChange(
        kc,
        request,
        { namespace, name, uid: written.metadata?.uid as string | undefined },
        create ? 'AdminCreated' : 'AdminChanged',
        `${create ? 'created' : 'changed'} pool ${name}`,
      );
      return PoolCheck.parse({ valid: true, written: true, causes: [], yaml: yamlOf(written), gitops });
    }),
  );

  app.patch(
    '/api/admin/pools/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      const body = PoolPatch.safeParse(request.body);
      if (!params.success || !body.success)
        return refuse(reply, 400, { error: 'expected paused or size of a pool', kind: 'invalid' });
      // The scale subresource's own refusal of a fraction names autoscaling/v1's types, not the pool.
      const { size: wanted } = body.data;
      if (wanted !== undefined && !(Number.isInteger(wanted) && wanted >= 0 && wanted <= MAX_POOL_SIZE))
        return refuse(reply, 400, {
          error: `the size must be a whole number of desktops from 0 to ${MAX_POOL_SIZE}`,
          kind: 'invalid',
        });
      const { namespace, name } = params.data;
      const custom = kc.makeApiClient(CustomObjectsApi);
      const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      // A merge patch touches only this field: the portal takes no other field from anyone.
      if (body.data.paused !== undefined)
        await custom.patchNamespacedCustomObject(
          {
            ...POOLS,
            namespace,
            name,
            body: { spec: { paused: body.data.paused } },
            fieldManager: PORTAL_FIELD_MANAGER,
          },
          merge,
        );
      if (body.data.size !== undefined)
        await custom.patchNamespacedCustomObjectScale(
          {
            ...POOLS,
            namespace,
            name,
            body: { spec: { replicas: body.data.size } },
            fieldManager: PORTAL_FIELD_MANAGER,
          },
          merge,
        );
      const { paused, size } = body.data;
      const did = [
        paused === undefined ? undefined : paused ? `paused pool ${name}` : `resumed pool ${name}`,
        size === undefined ? undefined : `scaled pool ${name} to ${size}`,
      ].filter(Boolean);
      await recordPoolChange(
        kc,
        request,
        { namespace, name },
        size === undefined ? (paused ? 'AdminPaused' : 'AdminResumed') : 'AdminScaled',
        did.join(' and '),
      );
      return reply.code(204).send();
    }),
  );

  app.delete(
    '/api/admin/pools/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a pool name', kind: 'invalid' });
      const { namespace, name } = params.data;
      await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...POOLS, namespace, name });
      request.log.info({ pool: `${namespace}/${name}` }, 'pool deleted from the Admin Portal');
      await recordPoolChange(kc, request, { namespace, name }, 'AdminDeleted', `deleted pool ${name}`);
      return reply.code(204).send();
    }),
  );
}
