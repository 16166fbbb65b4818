// Every object the Admin Portal shows has a YAML view: pools, templates, claims, desktops (the
// VirtualMachine), their running instances and nodes, each read as the person, so what they may
// not read they do not see. The YAML says who keeps the object: Git (a change made in the cluster
// is reverted) or, for what the operator makes, the pool or template it was made from.

import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import * as z from 'zod';
import { CLAIMS } from '../../api/desktopclaim.js';
import { VIRTUAL_MACHINE_INSTANCES, VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { VMTEMPLATES } from '../../api/vmtemplate.js';
import type { ApiError } from '../api-types.js';
import { ClaimParams } from '../api-types.js';
import type { AsPerson } from '../person.js';
import { gitopsManagers, type ObjectMetadata } from './gitops.js';
import { objectYaml } from './object-yaml.js';
import { ObjectYaml, type YamlKind } from './types.js';

export interface YamlRoutesOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
}

interface AnyObject {
  metadata?: ObjectMetadata & { ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
}

/** The namespaced kinds, and whether people keep them in Git (what the operator makes, they do not). */
const NAMESPACED = {
  pool: { resource: POOLS, kept: true },
  template: { resource: VMTEMPLATES, kept: true },
  claim: { resource: CLAIMS, kept: true },
  desktop: { resource: VIRTUAL_MACHINES, kept: false },
  instance: { resource: VIRTUAL_MACHINE_INSTANCES, kept: false },
} satisfies Partial<Record<YamlKind, unknown>>;

const NamespacedParams = ClaimParams.extend({ kind: z.enum(Object.keys(NAMESPACED) as [keyof typeof NAMESPACED]) });

/** What the person reads: the YAML, who keeps the object in Git, what made it. */
export function yamlOf(kind: YamlKind, object: AnyObject, kept: boolean): ObjectYaml {
  const metadata = object.metadata as (AnyObject['metadata'] & { name: string; namespace?: string }) | undefined;
  const owner = metadata?.ownerReferences?.find((o) => o.controller) ?? metadata?.ownerReferences?.[0];
  return ObjectYaml.parse({
    kind,
    ...(metadata?.namespace ? { namespace: metadata.namespace } : {}),
    name: metadata?.name ?? '',
    yaml: objectYaml(object),
    gitops: kept ? gitopsManagers(metadata) : [],
    ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
  });
}

async function readNamespaced(
  kc: KubeConfig,
  kind: keyof typeof NAMESPACED,
  namespace: string,
  name: string,
): Promise<AnyObject> {
  return (await kc
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...NAMESPACED[kind].resource, namespace, name })) as AnyObject;
}

export function yamlRoutes(app: FastifyInstance, { asPerson, refuse }: YamlRoutesOptions): void {
  app.get(
    '/api/admin/yaml/node/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.pick({ name: true }).safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a node name', kind: 'invalid' });
      const node = await kc.makeApiClient(CoreV1Api).readNode({ name: params.data.name });
      return yamlOf('node', { ...node, apiVersion: 'v1', kind: 'Node' } as AnyObject, false);
    }),
  );

  app.get(
    '/api/admin/yaml/:kind/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = NamespacedParams.safeParse(request.params);
      if (!params.success)
        return refuse(reply, 400, {
          error: `expected the kind (${Object.keys(NAMESPACED).join(', ')}), namespace and name of an object`,
          kind: 'invalid',
        });
      const { kind, namespace, name } = params.data;
      const [object, instance] = await Promise.all([
        readNamespaced(kc, kind, namespace, name),
        // A desktop runs as an instance of the same name: linked when there is one to read.
        kind === 'desktop' ? readNamespaced(kc, 'instance', namespace, name).catch(() => undefined) : undefined,
      ]);
      return { ...yamlOf(kind, object, NAMESPACED[kind].kept), ...(instance ? { instance: name } : {}) };
    }),
  );
}
