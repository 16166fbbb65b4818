// What the API server cannot check about a template: that the objects it names exist. Each
// check is a GET at reconcile time (watching every Secret and PVC of a cluster would cost far
// more than a few reads while a template is being fixed).
//
// The operator reads with its own cluster-wide rights, so for a golden image in another namespace
// it first asks what KubeVirt will ask when a desktop is made (API-NOTES §1.5): may the template's
// namespace (its default ServiceAccount, which the desktops run as) clone from there at all? Until
// an administrator of that namespace allows it, the status says only that, never whether the object
// exists: a template author cannot use the operator to learn what other namespaces hold. (The
// vmtemplates admission policy already lets only people who may read the source name it.)

import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1SubjectAccessReview,
} from '@kubernetes/client-node';
import { DATA_SOURCES, DATA_VOLUMES } from '../api/kubernetes-kinds.js';
import { pathOf } from '../api/resource-type.js';
import type { VMTemplate } from '../api/vmtemplate.js';
import { makeApiClient } from '../runtime/client.js';
import type { Metrics } from '../runtime/metrics.js';

export interface ReferenceProblem {
  reason: string;
  message: string;
}

/** Returns the first problem found, or undefined when every referenced object exists. */
export type CheckReferences = (template: VMTemplate) => Promise<ReferenceProblem | undefined>;

interface Check {
  what: string;
  reason: string;
  read: () => Promise<unknown>;
  /** A problem with an object that exists (e.g. a DataSource that is not ready). */
  inspect?: (obj: unknown) => ReferenceProblem | undefined;
}

export function makeReferenceChecker(kc: KubeConfig, metrics?: Metrics): CheckReferences {
  const core = makeApiClient(kc, CoreV1Api, metrics);
  const custom = makeApiClient(kc, CustomObjectsApi, metrics);
  const authorization = makeApiClient(kc, AuthorizationV1Api, metrics);
  return async (template) => {
    for (const check of checksFor(template, core, custom, authorization)) {
      let obj: unknown;
      try {
        obj = await check.read();
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) {
          return { reason: check.reason, message: `${check.what} does not exist` };
        }
        throw err;
      }
      const problem = check.inspect?.(obj);
      if (problem) return problem;
    }
    return undefined;
  };
}

/**
 * May desktops in `namespace` clone from `source`? CDI's clone authorization, asked for the
 * namespace's default ServiceAccount: `create` on cdi.kubevirt.io datavolumes/source there.
 */
function cloneAllowed(authorization: AuthorizationV1Api, namespace: string, source: string): Check {
  return {
    what: `cloning from namespace ${source}`,
    reason: 'SourceNotPermitted',
    read: () =>
      authorization.createSubjectAccessReview({
        body: {
          spec: {
            user: `system:serviceaccount:${namespace}:default`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
            resourceAttributes: {
              namespace: source,
              verb: 'create',
              group: DATA_VOLUMES.group,
              resource: DATA_VOLUMES.plural,
              subresource: 'source',
            },
          },
        },
      }),
    inspect: (review) =>
      (review as V1SubjectAccessReview).status?.allowed
        ? undefined
        : {
            reason: 'SourceNotPermitted',
            message: `desktops in namespace ${namespace} may not clone disks from namespace ${source}; an administrator of ${source} can allow it by binding the ClusterRole cdi.kubevirt.io:clone-sourcer to the ServiceAccount ${namespace}/default there`,
          },
  };
}

function checksFor(
  template: VMTemplate,
  core: CoreV1Api,
  custom: CustomObjectsApi,
  authorization: AuthorizationV1Api,
): Check[] {
  const ns = template.metadata.namespace as string;
  const { rootDisk, instancetype, preference, guest } = template.spec;
  const checks: Check[] = [];
  const { dataSource, pvc } = rootDisk.source;
  const sourceNamespace = (dataSource ?? pvc)?.namespace;
  if (sourceNamespace && sourceNamespace !== ns) checks.push(cloneAllowed(authorization, ns, sourceNamespace));
  if (dataSource) {
    const namespace = dataSource.namespace ?? ns;
    checks.push({
      what: `DataSource ${namespace}/${dataSource.name}`,
      reason: 'SourceNotFound',
      read: () =>
        custom.getNamespacedCustomObject({
          ...pathOf(DATA_SOURCES),
          namespace,
          name: dataSource.name,
        }),
      inspect: (obj) => {
        const ready = (
          obj as { status?: { conditions?: { type: string; status: string; message?: string }[] } }
        ).status?.conditions?.find((c) => c.type === 'Ready');
        return ready && ready.status !== 'True'
          ? {
              reason: 'SourceNotReady',
              message: `DataSource ${namespace}/${dataSource.name} is not ready${ready.message ? `: ${ready.message}` : ''}`,
            }
          : undefined;
      },
    });
  }
  if (pvc) {
    const namespace = pvc.namespace ?? ns;
    checks.push({
      what: `PersistentVolumeClaim ${namespace}/${pvc.name}`,
      reason: 'SourceNotFound',
      read: () => core.readNamespacedPersistentVolumeClaim({ namespace, name: pvc.name }),
    });
  }
  for (const [ref, kinds, reason] of [
    [instancetype, ['virtualmachineclusterinstancetypes', 'virtualmachineinstancetypes'], 'InstancetypeNotFound'],
    [preference, ['virtualmachineclusterpreferences', 'virtualmachinepreferences'], 'PreferenceNotFound'],
  ] as const) {
    if (!ref) continue;
    const clusterWide = ref.kind.includes('Cluster');
    const plural = clusterWide ? kinds[0] : kinds[1];
    const group = { group: 'instancetype.kubevirt.io', version: 'v1beta1', plural, name: ref.name };
    checks.push({
      what: `${ref.kind} ${clusterWide ? '' : `${ns}/`}${ref.name}`,
      reason,
      read: () =>
        clusterWide
          ? custom.getClusterCustomObject(group)
          : custom.getNamespacedCustomObject({ ...group, namespace: ns }),
    });
  }
  for (const secret of [guest.cloudInitSecretRef, guest.sysprepSecretRef]) {
    if (!secret) continue;
    checks.push({
      what: `Secret ${ns}/${secret.name}`,
      reason: 'SecretNotFound',
      read: () => core.readNamespacedSecret({ namespace: ns, name: secret.name }),
    });
  }
  return checks;
}
