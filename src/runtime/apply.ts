// Server-side apply, the only way kubevdi writes objects. Field validation is always Strict: a
// field the server does not know is a bug in our rendering (or in a person's input) and must
// fail loudly instead of being dropped.
import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { apiConfiguration } from './client.js';
import type { Metrics } from './metrics.js';

export interface ApplyOptions {
  /** Ask the server to validate and default without persisting (`dryRun=All`). */
  dryRun?: boolean;
}

export type Apply = <T extends KubernetesObject>(obj: T, options?: ApplyOptions) => Promise<T>;

export function makeApply(kc: KubeConfig, fieldManager: string, metrics?: Metrics): Apply {
  // client-node 1.x's KubernetesObjectApi has no fieldValidation parameter: add it to the query.
  const strict = {
    pre: async (ctx: RequestContext) => {
      ctx.setQueryParam('fieldValidation', 'Strict');
      return ctx;
    },
    post: async (rsp: ResponseContext) => rsp,
  };
  const api = new KubernetesObjectApi(apiConfiguration(kc, metrics, [strict]));
  return (obj, options = {}) =>
    api.patch(obj, undefined, options.dryRun ? 'All' : undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}
