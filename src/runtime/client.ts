// Every request kubevdi makes to the API server goes through clients made here, so every one is
// counted by verb and status code (kubevdi_api_requests_total). An idle operator must show zero
// writes; this is where that is measured.
import {
  type Configuration,
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import type { Metrics } from './metrics.js';

/** The Kubernetes verb of a request, as audit logs and RBAC name it. */
export function verbOf(method: string, url: string, contentType?: string | null): string {
  switch (method.toUpperCase()) {
    case 'GET': {
      const query = new URL(url).searchParams;
      if (query.get('watch') === 'true' || query.get('watch') === '1') return 'watch';
      // A collection path ends in a plural resource; an object path has one more segment.
      return isCollection(new URL(url).pathname) ? 'list' : 'get';
    }
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return contentType?.startsWith('application/apply-patch') ? 'apply' : 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

function isCollection(pathname: string): boolean {
  const parts = pathname.split('/').filter(Boolean);
  // /api/v1/<res> | /api/v1/namespaces/<ns>/<res> | /apis/<g>/<v>/<res> | /apis/<g>/<v>/namespaces/<ns>/<res>
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) return rest.length === 3;
  return rest.length === 1;
}

/** A client-node configuration whose every request is counted in `metrics`. */
export function apiConfiguration(
  kc: KubeConfig,
  metrics?: Metrics,
  middleware: {
    pre: (ctx: RequestContext) => Promise<RequestContext>;
    post: (r: ResponseContext) => Promise<ResponseContext>;
  }[] = [],
): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const http = new IsomorphicFetchHttpLibrary();
  const counted = wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const verb = verbOf(request.getHttpMethod(), request.getUrl(), request.getHeaders()['Content-Type']);
      try {
        const response = await http.send(request).toPromise();
        metrics?.countRequest(verb, response.httpStatusCode);
        return response;
      } catch (err) {
        metrics?.countRequest(verb, 0);
        throw err;
      }
    },
  });
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: counted,
    promiseMiddleware: middleware,
  });
}

/** `kc.makeApiClient(Api)`, but counted. */
export function makeApiClient<T>(kc: KubeConfig, api: new (config: Configuration) => T, metrics?: Metrics): T {
  return new api(apiConfiguration(kc, metrics));
}
