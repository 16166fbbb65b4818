// What the person may do in a namespace, as the API server lists it (SelfSubjectRulesReview, what
// `kubectl auth can-i --list` shows). The portal copies no RBAC rules: it reads the person's own
// rules from the authorizer and only matches them against a request, as RBAC does.
import { AuthorizationV1Api, type KubeConfig, type V1ResourceRule } from '@kubernetes/client-node';
import type { DesktopPermissions } from './api-types.js';

export async function rulesIn(kc: KubeConfig, namespace: string): Promise<V1ResourceRule[]> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
  });
  return review.status?.resourceRules ?? [];
}

export const covers = (values: string[] | undefined, wanted: string) =>
  !!values?.some((v) => v === wanted || v === '*');

/** `resource` may be `kind/subresource`; RBAC's `kind/*` covers every subresource of kind. */
const coversResource = (values: string[] | undefined, resource: string) => {
  const [kind, sub] = resource.split('/');
  return covers(values, resource) || (sub !== undefined && !!values?.includes(`${kind}/*`));
};

/** Whether any rule lets the person do `verb` on `resource` of `group` named `name`. */
export function permits(
  rules: readonly V1ResourceRule[],
  request: { group: string; resource: string; verb: string; name: string },
): boolean {
  return rules.some(
    (r) =>
      covers(r.apiGroups, request.group) &&
      coversResource(r.resources, request.resource) &&
      covers(r.verbs, request.verb) &&
      (!r.resourceNames?.length || r.resourceNames.includes(request.name)),
  );
}

const SUBRESOURCES = 'subresources.kubevirt.io';

/** What the person may do with one desktop: KubeVirt's subresources, as the real requests ask for them. */
export function desktopPermissions(rules: readonly V1ResourceRule[], desktop: string): DesktopPermissions {
  const update = (resource: string) => permits(rules, { group: SUBRESOURCES, resource, verb: 'update', name: desktop });
  return {
    start: update('virtualmachines/start'),
    stop: update('virtualmachines/stop'),
    restart: update('virtualmachines/restart'),
    console: permits(rules, {
      group: SUBRESOURCES,
      resource: 'virtualmachineinstances/vnc',
      verb: 'get',
      name: desktop,
    }),
  };
}
