// Every request kubevdi makes to the API server goes through clients made here, so every one is
// counted by verb and status code (kubevdi_api_requests_total). An idle operator must show zero
// writes; this is where that is measured.
//
// They also reuse connections. client-node 1.x makes a new https.Agent for every request, so
// every call paid a TCP connect and a TLS handshake (with the client certificate's key loaded
// again): under a logon storm that was most of the operator's CPU and round-trip time. Here the
// agent a KubeConfig's options give is made once and kept alive (see benchmarks: warm claims).
import { Agent } from 'node:https';
import {
  type Configuration,
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
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
    authMethods: { default: keepAliveAuth(kc) },
    httpApi: counted,
    promiseMiddleware: middleware,
  });
}

/** `kc.makeApiClient(Api)`, but counted. */
export function makeApiClient<T>(kc: KubeConfig, api: new (config: Configuration) => T, metrics?: Metrics): T {
  return new api(apiConfiguration(kc, metrics));
}

/** Agents per owner (a KubeConfig, or the portal's cluster) and TLS options: a few at most (options change only with a rotated certificate). */
const agents = new WeakMap<object, Map<string, Agent>>();
const MAX_AGENTS_PER_CONFIG = 4;

/**
 * The KubeConfig's authentication (headers, client certificate, CA), with its per-request agent
 * swapped for a shared keep-alive one made from the same options. Proxy agents are left alone.
 */
export function keepAliveAuth(kc: KubeConfig): SecurityAuthentication {
  return {
    getName: () => kc.getName(),
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await kc.applySecurityAuthentication(context);
      shareAgent(kc, context);
    },
  };
}

/**
 * Swaps the fresh https.Agent client-node put on `context` for a keep-alive one with the same TLS
 * options, shared by every request whose `owner` is the same object. Proxy agents are left alone.
 */
export function shareAgent(owner: object, context: RequestContext): void {
  const fresh = context.getAgent();
  if (!fresh || fresh.constructor !== Agent) return;
  const options = (fresh as Agent).options;
  const key = JSON.stringify(
    [
      options.ca,
      options.cert,
      options.key,
      options.pfx,
      options.passphrase,
      options.servername,
      options.rejectUnauthorized,
    ].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v)),
  );
  const byOptions = agents.get(owner) ?? new Map<string, Agent>();
  agents.set(owner, byOptions);
  let agent = byOptions.get(key);
  if (!agent) {
    if (byOptions.size >= MAX_AGENTS_PER_CONFIG) {
      for (const old of byOptions.values()) old.destroy();
      byOptions.clear();
    }
    agent = new Agent({ ...options, keepAlive: true });
    byOptions.set(key, agent);
  }
  context.setAgent(agent);
}
