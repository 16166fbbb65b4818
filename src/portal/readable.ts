// Lists a kind as the person, wherever they may: across all namespaces when the API server says
// they may list it there, else in each of the given namespaces where they may (403s skipped).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { inParallel } from '../runtime/parallel.js';
import { allowed } from './access.js';
import { isForbiddenOrMissing } from './kube-errors.js';

export interface Kind {
  group: string;
  version: string;
  plural: string;
}

/** Reviews and reads in flight at once for one person's page: enough to hide latency, few enough to be polite. */
export const REVIEW_CONCURRENCY = 8;

export async function listReadable<T>(
  kc: KubeConfig,
  kind: Kind,
  namespaces: readonly string[],
  custom = kc.makeApiClient(CustomObjectsApi),
): Promise<T[]> {
  if (await allowed(kc, { group: kind.group, resource: kind.plural, verb: 'list' })) {
    return ((await custom.listClusterCustomObject(kind)) as { items: T[] }).items;
  }
  const found: T[] = [];
  await inParallel(
    [...new Set(namespaces)],
    async (namespace) => {
      try {
        found.push(...((await custom.listNamespacedCustomObject({ ...kind, namespace })) as { items: T[] }).items);
      } catch (err) {
        if (!isForbiddenOrMissing(err)) throw err;
      }
    },
    REVIEW_CONCURRENCY,
  );
  return found;
}
