// The Templates views' API, every read as the person: the templates they may see and whether each
// is usable; one template with its revisions (ControllerRevisions), the pools made from it and
// how far each has rolled out, its desktops by revision, its YAML; and what changed between two
// revisions. What they may not read (revisions, desktops) is left out and said, not an error.

import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import * as z from 'zod';
import { VIRTUAL_MACHINES } from '../../api/kubernetes-kinds.js';
import { LABELS } from '../../api/labels.js';
import { POOLS } from '../../api/virtualdesktoppool.js';
import { VMTEMPLATES } from '../../api/vmtemplate.js';
import { revisionSpec } from '../../render/revisions.js';
import type { ApiError } from '../api-types.js';
import { ClaimParams } from '../api-types.js';
import { isForbiddenOrMissing } from '../kube-errors.js';
import type { PoolObject, TemplateObject } from '../kube-objects.js';
import type { AsPerson } from '../person.js';
import { listReadable } from '../readable.js';
import { adminNamespaces } from './access.js';
import { objectYaml } from './object-yaml.js';
import { revisionDiff } from './revision-diff.js';
import type { VmObject } from './summary.js';
import { adminTemplate, type RevisionObject, templateRevisions, templateRollouts } from './template-summary.js';
import { RevisionDiff, TemplateDetail, TemplateList } from './types.js';

export interface TemplateRoutesOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
  namespaces: readonly string[];
}

const DiffQuery = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) });

/** What the person may not read is undefined, not a failure of the whole view. */
async function unlessForbidden<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isForbiddenOrMissing(err)) return undefined;
    throw err;
  }
}

function revisionsOf(kc: KubeConfig, namespace: string, name: string): Promise<RevisionObject[] | undefined> {
  return unlessForbidden(
    kc
      .makeApiClient(AppsV1Api)
      .listNamespacedControllerRevision({ namespace, labelSelector: `${LABELS.template}=${name}` })
      .then((list) => list.items as RevisionObject[]),
  );
}

export function templateRoutes(app: FastifyInstance, options: TemplateRoutesOptions): void {
  const { asPerson, refuse } = options;
  const notATemplate = (reply: FastifyReply) => refuse(reply, 400, { error: 'not a template name', kind: 'invalid' });

  app.get(
    '/api/admin/templates',
    asPerson(async (kc) => {
      const where = await adminNamespaces(kc, options.namespaces);
      const [templates, pools] = await Promise.all([
        listReadable<TemplateObject>(kc, VMTEMPLATES, where),
        listReadable<PoolObject>(kc, POOLS, where),
      ]);
      const rows = templates
        .map((t) => adminTemplate(t, pools))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
      return TemplateList.parse({ templates: rows });
    }),
  );

  app.get(
    '/api/admin/templates/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return notATemplate(reply);
      const { namespace, name } = params.data;
      const custom = kc.makeApiClient(CustomObjectsApi);
      const [template, pools, vms, revisions] = await Promise.all([
        custom.getNamespacedCustomObject({ ...VMTEMPLATES, namespace, name }) as Promise<TemplateObject>,
        unlessForbidden(custom.listNamespacedCustomObject({ ...POOLS, namespace }) as Promise<{ items: PoolObject[] }>),
        unlessForbidden(
          custom.listNamespacedCustomObject({
            ...VIRTUAL_MACHINES,
            namespace,
            labelSelector: `${LABELS.template}=${name}`,
          }) as Promise<{ items: VmObject[] }>,
        ),
        revisionsOf(kc, namespace, name),
      ]);
      const poolList = pools?.items ?? [];
      return TemplateDetail.parse({
        template: adminTemplate(template, poolList),
        conditions: (template.status?.conditions ?? []).map(({ type, status, reason, message }) => ({
          type,
          status,
          ...(reason ? { reason } : {}),
          ...(message ? { message } : {}),
        })),
        revisions: templateRevisions(template, revisions ?? [], poolList, vms?.items),
        revisionsVisible: revisions !== undefined,
        rollouts: templateRollouts(template, poolList, vms?.items ?? []),
        desktopsVisible: vms !== undefined,
        yaml: objectYaml(template),
      });
    }),
  );

  app.get(
    '/api/admin/templates/:namespace/:name/diff',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return notATemplate(reply);
      const query = DiffQuery.safeParse(request.query);
      if (!query.success)
        return refuse(reply, 400, { error: 'choose two revisions by their numbers', kind: 'invalid' });
      const { namespace, name } = params.data;
      const { from, to } = query.data;
      const revisions = await kc
        .makeApiClient(AppsV1Api)
        .listNamespacedControllerRevision({ namespace, labelSelector: `${LABELS.template}=${name}` });
      const specOf = (n: number) => {
        const found = revisions.items.find((r) => r.revision === n);
        // Compared as stored, so a field the operator no longer knows still shows.
        const spec = (found?.data as { spec?: Record<string, unknown> } | undefined)?.spec;
        return spec ? revisionSpec(spec as Parameters<typeof revisionSpec>[0]) : undefined;
      };
      const before = specOf(from);
      const after = specOf(to);
      if (!before || !after)
        return refuse(reply, 404, {
          error: `template ${name} has no revision ${before ? to : from} (old revisions are pruned)`,
          kind: 'not-found',
        });
      return RevisionDiff.parse({ from, to, changes: revisionDiff(before, after) });
    }),
  );
}
