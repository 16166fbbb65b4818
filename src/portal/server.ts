// `kubevdi portal`: the web server. It has no power of its own — every Kubernetes call is made
// with the signed-in person's bearer token (see cluster.ts), so RBAC and the admission policy
// decide what each person sees and may do, and the audit log names them. Sessions are sealed
// cookies (signin/session.ts), so any number of replicas serve anyone without sticky sessions.
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { adminAccess } from './admin/access.js';
import { adminRoutes } from './admin/routes.js';
import { ASSETS } from './assets.js';
import { portalCluster } from './cluster.js';
import { consoleRoutes } from './console/routes.js';
import { portalLogger } from './log.js';
import { PortalMetrics } from './metrics.js';
import { origins as makeOrigins } from './origin.js';
import { personRequests } from './person.js';
import { csrfProtection, securityHeaders } from './security.js';
import { type OidcOptions, oidcSignIn } from './signin/oidc.js';
import { signInRoutes } from './signin/routes.js';
import { sealKey } from './signin/seal.js';
import { sessionCookies } from './signin/session.js';
import { sessionRenewal } from './signin/session-renewal.js';
import { StreamMetrics } from './stream-metrics.js';
import { type LiveUpdateOptions, streamLimits, userRoutes } from './user/routes.js';

export interface PortalOptions {
  /** The portal's own kubeconfig (in-cluster or current): only its cluster is used, never its user. */
  kubeconfig: KubeConfig;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Where to look for pools and claims when a person may not list pools in all namespaces. */
  namespaces?: readonly string[];
  /** Sign-in by pasting a bearer token (off by default). */
  tokenSignIn?: boolean;
  /** Sign-in with OpenID Connect at the issuer the API server trusts. */
  oidc?: OidcOptions;
  /** The same on every replica; at least 32 bytes. */
  sessionSecret: string | Buffer;
  /** The URL people open, for origin checks and the cookies' Secure flag; default: as reached. */
  publicUrl?: string;
  /**
   * How long a session lasts when its token carries no expiry of its own, and how long an OIDC
   * sign-in may be renewed with its refresh token (default 8 hours).
   */
  sessionMaxAgeSeconds?: number;
  /**
   * How often an OIDC sign-in is checked with the issuer (its refresh token used), so a sign-out
   * or a revocation there ends every copy of the session cookie within this time (default 5 minutes).
   */
  sessionCheckSeconds?: number;
  /**
   * The address a desktop's .rdp file names, with {service}, {desktop} and {namespace}
   * placeholders (default `{service}.{namespace}.svc:3389`, the Service's cluster DNS name: users
   * may not read Services, so the portal cannot look one up). See console/rdp-file.ts.
   */
  rdpAddress?: string;
  /**
   * Where the RDP gateway connects for a desktop: a template like rdpAddress's, where {ip} is the
   * address KubeVirt reports for the running desktop (default `{service}.{namespace}.svc:3389`).
   */
  rdpUpstream?: string;
  /** PEM: the CA that issues desktops' RDP certificates, which the gateway then verifies. */
  rdpCa?: string;
  /** Caps on the live-update streams (per person, per portal) and how long they wait for a claim. */
  liveUpdates?: LiveUpdateOptions;
  /** How often an open console's grant is asked again when nothing changed (default 30 s). */
  consoleRecheckMs?: number;
  log?: Logger;
}

export interface Portal {
  url: string;
  metrics: PortalMetrics;
  stop(): Promise<void>;
}

/** How long stopping waits for requests in flight before it closes their connections. */
const STOP_GRACE_MS = 3000;

/**
 * Wiring only: the pieces the rooms share (the cluster, the sealed sessions, the origin checks,
 * the metrics, person.ts's request helpers) are made here and handed to the rooms, which register
 * their own routes: signin/, console/, user/ and admin/.
 */
export async function startPortal(options: PortalOptions): Promise<Portal> {
  const log = portalLogger(options.log);
  const cluster = portalCluster(options.kubeconfig);
  const namespaces = options.namespaces ?? [];
  const key = sealKey(options.sessionSecret);
  const cookies = sessionCookies(key);
  const origins = makeOrigins(options.publicUrl);
  const oidc = options.oidc ? oidcSignIn(options.oidc) : undefined;
  const renewal = sessionRenewal(
    cookies,
    origins,
    oidc,
    options.sessionCheckSeconds === undefined ? undefined : options.sessionCheckSeconds * 1000,
  );
  const tokenSignIn = options.tokenSignIn === true;
  const metrics = new PortalMetrics();
  let ready = false;

  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, bodyLimit: 64 * 1024, trustProxy: false });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 32 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  // The issuer, and its end-session endpoint once discovered (personPage makes sure of it).
  securityHeaders(app, () => oidc?.formActionOrigins() ?? []);
  csrfProtection(app, origins, metrics);
  const { asPerson, personPage, refuse, endSession } = personRequests({
    cluster,
    cookies,
    origins,
    renewal,
    oidc,
    tokenSignIn,
    metrics,
  });

  app.get('/healthz', async () => 'ok\n');
  app.get('/readyz', async (_request, reply) => reply.code(ready ? 200 : 503).send(ready ? 'ok\n' : 'not ready\n'));
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  for (const asset of ASSETS) {
    app.get(asset.path, async (_request, reply) =>
      reply.type(asset.contentType).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body),
    );
  }

  signInRoutes(app, {
    oidc,
    tokenSignIn,
    key,
    cookies,
    origins,
    cluster,
    metrics,
    sessionMaxAgeSeconds: options.sessionMaxAgeSeconds,
    endSession,
  });
  consoleRoutes(app, {
    cluster,
    origins,
    renewal,
    registry: metrics.registry,
    oidc: oidc !== undefined,
    asPerson,
    refuse,
    rdpAddress: options.rdpAddress,
    key,
    ...(options.rdpUpstream === undefined ? {} : { rdpUpstream: options.rdpUpstream }),
    ...(options.rdpCa === undefined ? {} : { rdpCa: options.rdpCa }),
    ...(options.consoleRecheckMs === undefined ? {} : { recheckMs: options.consoleRecheckMs }),
  });
  // The user's and the Admin Portal's live updates are counted together, capped apart (an
  // administrator's tabs do not close their own desktops page).
  const streamMetrics = new StreamMetrics(metrics.registry);
  await userRoutes(app, {
    asPerson,
    personPage,
    refuse,
    namespaces,
    administers: async (kc, username) => (await adminAccess(kc, username, namespaces)).administers,
    streamMetrics,
    ...(options.liveUpdates ? { liveUpdates: options.liveUpdates } : {}),
  });
  adminRoutes(app, {
    asPerson,
    refuse,
    namespaces,
    personPage,
    streams: { limits: streamLimits(options.liveUpdates), metrics: streamMetrics },
  });

  app.setNotFoundHandler(async (request, reply) =>
    request.url.startsWith('/api/')
      ? refuse(reply, 404, { error: 'no such API', kind: 'not-found' })
      : reply.code(404).type('text/plain; charset=utf-8').send('404 Not Found\n'),
  );
  app.setErrorHandler(async (err: { statusCode?: number; message?: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'request failed');
    if (!request.url.startsWith('/api/'))
      return reply.code(status).type('text/plain; charset=utf-8').send(`${status}: the portal could not do that\n`);
    return refuse(reply, status, {
      error: status === 500 ? 'the portal failed; see its log' : (err.message ?? 'bad request'),
      kind: status === 500 ? 'internal' : 'invalid',
    });
  });

  await app.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? 8080 });
  ready = true;
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // Stopping twice (a signal, then the test's clean-up) waits for the same close.
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    metrics,
    stop() {
      ready = false;
      closing ??= (async () => {
        const closed = app.close();
        // close() ends the event streams and idle connections, then waits for the rest: a request
        // in flight gets STOP_GRACE_MS to finish. A connection that never sent a request (browsers
        // open some ahead of time) would hold it forever: whatever is left then is cut.
        const cut = setTimeout(() => app.server.closeAllConnections(), STOP_GRACE_MS);
        try {
          await closed;
        } finally {
          clearTimeout(cut);
        }
      })();
      return closing;
    },
  };
}
