// Creating and changing templates from the Admin Portal, as the person: the template is edited as
// YAML (a template has too many fields for a form to be kinder than its YAML), and every edit is
// a server-side apply (field manager kubevdi-portal) checked first by a dry run, whose refusal is
// the API server's own schema and CEL messages with the paths they name. Nothing is written until
// the person saves and the dry run passes; a template GitOps keeps is not written until the
// person has seen that the change will be reverted.

import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { VMTEMPLATES } from '../../api/vmtemplate.js';
import type { ApiError } from '../api-types.js';
import { ClaimParams } from '../api-types.js';
import type { AsPerson } from '../person.js';
import { recordObjectChange } from './admin-events.js';
import { applyObject, DNS_LABEL, liveObject } from './apply-as-person.js';
import {
  changedPaths,
  committableYaml,
  type KubeObject,
  statusCauses,
  typedPatchRefusal,
  withoutPath,
} from './committable.js';
import { gitopsManagers } from './gitops.js';
import { TemplateCheck, TemplateRequest, TemplateSource } from './template-edit-types.js';
import { TEMPLATE_KIND, templateFromYaml } from './template-yaml.js';

export interface TemplateEditOptions {
  asPerson: AsPerson;
  refuse: (reply: FastifyReply, status: number, body: ApiError) => unknown;
}

const verdict = (check: TemplateCheck) => TemplateCheck.parse(check);

export function templateEditRoutes(app: FastifyInstance, { asPerson, refuse }: TemplateEditOptions): void {
  app.get(
    '/api/admin/templates/:namespace/:name/source',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a template name', kind: 'invalid' });
      const { namespace, name } = params.data;
      const template = (await kc
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...VMTEMPLATES, namespace, name })) as KubeObject;
      return TemplateSource.parse({
        yaml: committableYaml(template, TEMPLATE_KIND),
        gitops: gitopsManagers(template.metadata),
      });
    }),
  );

  app.post(
    '/api/admin/templates/:namespace',
    asPerson(async (kc, request, reply) => {
      const namespace = String((request.params as { namespace?: string }).namespace ?? '');
      const body = TemplateRequest.safeParse(request.body);
      if (!DNS_LABEL.test(namespace) || !body.success)
        return refuse(reply, 400, { error: 'expected a template as YAML', kind: 'invalid' });
      const { name, dryRun, overrideGitOps, yaml } = body.data;
      const parsed = templateFromYaml(yaml, namespace, name);
      if ('causes' in parsed) return verdict({ valid: false, written: false, causes: parsed.causes, gitops: [] });
      const desired = parsed.object;
      const target = desired.metadata?.name as string;
      // A name the API server will not put in a URL is refused as its own validation would.
      const live = DNS_LABEL.test(target) ? await liveObject(kc, VMTEMPLATES, namespace, target) : undefined;
      if (name === undefined && live)
        return verdict({
          valid: false,
          written: false,
          causes: [{ field: 'metadata.name', message: `A template named ${target} already exists in ${namespace}.` }],
          gitops: [],
        });
      if (name !== undefined && !live)
        return refuse(reply, 404, { error: `template ${namespace}/${name} no longer exists`, kind: 'not-found' });
      const gitops = live ? gitopsManagers(live.metadata, changedPaths(live, desired)) : [];
      try {
        await applyObject(kc, VMTEMPLATES, desired, true);
      } catch (err) {
        if (err instanceof ApiException && (err.code === 422 || err.code === 400))
          return verdict({
            valid: false,
            written: false,
            causes: statusCauses(err.body, 'the API server refused the template').map(({ path, message }) =>
              path ? { field: path, message: withoutPath(path, message) } : { message },
            ),
            gitops,
            name: target,
          });
        const typed = err instanceof ApiException && err.code === 500 ? typedPatchRefusal(err.body) : undefined;
        if (typed)
          return verdict({
            valid: false,
            written: false,
            causes: typed.map(({ path, message }) => ({ field: path, message })),
            gitops,
            name: target,
          });
        throw err;
      }
      if (dryRun || (gitops.length > 0 && !overrideGitOps))
        return verdict({ valid: true, written: false, causes: [], gitops, name: target });
      const written = await applyObject(kc, VMTEMPLATES, desired, false);
      request.log.info({ template: `${namespace}/${target}`, create: !live }, 'template applied from the Admin Portal');
      await recordObjectChange(
        kc,
        request.log,
        { namespace, kind: 'VMTemplate', name: target, uid: written.metadata?.uid as string | undefined },
        live ? 'AdminChanged' : 'AdminCreated',
        `${live ? 'changed' : 'created'} template ${target}`,
      );
      return verdict({ valid: true, written: true, causes: [], gitops, name: target });
    }),
  );
}
