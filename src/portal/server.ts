// `kubevdi portal`: the web server. It has no power of its own — every Kubernetes call is made
// with the signed-in person's bearer token (see cluster.ts), so RBAC and the admission policy
// decide what each person sees and may do, and the audit log names them. Sessions are sealed
// cookies (signin/session.ts), so any number of replicas serve anyone without sticky sessions.
import type { AddressInfo } from 'node:net';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { adminAccess } from './admin/access.js';
import { adminRoutes } from './admin/routes.js';
import { type ApiError, ClaimList, ClaimParams, Claim as ClaimSchema, CreateClaim, Me, PoolList } from './api-types.js';
import { ASSETS } from './assets.js';
import { asUser, portalCluster } from './cluster.js';
import { DEFAULT_RDP_ADDRESS, rdpAddress } from './console/rdp-file.js';
import { consoleRoutes } from './console/routes.js';
import { refusalOf } from './kube-errors.js';
import { portalLogger } from './log.js';
import { PortalMetrics } from './metrics.js';
import { origins as makeOrigins } from './origin.js';
import { signInPage } from './pages.js';
import { entitledPools } from './pools.js';
import { remembered } from './remembered.js';
import { csrfProtection, securityHeaders } from './security.js';
import { type OidcOptions, oidcSignIn } from './signin/oidc.js';
import { oidcRoutes } from './signin/oidc-routes.js';
import { signInPath } from './signin/return-to.js';
import { sealKey } from './signin/seal.js';
import { type Session, sessionCookies } from './signin/session.js';
import { sessionRenewal } from './signin/session-renewal.js';
import { signInStateCookies } from './signin/sign-in-state.js';
import { sessionExpiry } from './signin/token-expiry.js';
import { StreamMetrics } from './stream-metrics.js';
import { createClaim, heldBeyondLimit, ownClaims, readPool, releaseClaim } from './user/claims.js';
import { desktopRoutes } from './user/desktop-routes.js';
import { desktopsPage } from './user/desktops-page.js';
import { type LiveUpdateOptions, streamLimits, userRoutes } from './user/routes.js';
import { webAssets } from './web-assets.js';
import { whoami } from './whoami.js';

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

/** A pasted token longer than this is not a token. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const DEFAULT_SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;
/** How long a person's "may administer something" answer is kept for their desktops page's link. */
const ADMINISTERS_REMEMBERED_MS = 60_000;
/** How long stopping waits for requests in flight before it closes their connections. */
const STOP_GRACE_MS = 3000;

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
  const maxAgeMs = (options.sessionMaxAgeSeconds ?? DEFAULT_SESSION_MAX_AGE_SECONDS) * 1000;
  // Bundled (from source) or read (compiled) before serving: a portal without its page does not start.
  const web = await webAssets('app');
  const rdpTemplate = options.rdpAddress ?? DEFAULT_RDP_ADDRESS;
  // A template that cannot make an address fails at start, not at a person's download.
  rdpAddress(rdpTemplate, { namespace: 'ns', desktop: 'desktop-0', service: 'rdp-desktop-0' });
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

  const endSession = (request: FastifyRequest, reply: FastifyReply) =>
    reply.header('set-cookie', cookies.clear(request.headers.cookie, origins.secure(request)));

  const refuse = (reply: FastifyReply, status: number, body: ApiError) => {
    metrics.apiError(body.kind);
    return reply.code(status).send(body);
  };

  /**
   * No (usable) session: the page should send the person through sign-in. The portal cannot know
   * which page called, so `signIn` returns to `/`; the page may put its own path in `returnTo`.
   */
  const signInRequired = (reply: FastifyReply) =>
    refuse(reply, 401, { error: 'signin-required', kind: 'unauthenticated', signIn: oidc ? signInPath('/') : '/' });

  /** A JSON API route run as the signed-in person; the API server's refusals are passed on as they are. */
  const asPerson =
    <T>(handler: (kc: KubeConfig, request: FastifyRequest, reply: FastifyReply) => Promise<T>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const current = await renewal.current(request, reply);
      if (current.status !== 'signed-in') return signInRequired(reply);
      const { session } = current;
      try {
        return await handler(asUser(cluster, session.token), request, reply);
      } catch (err) {
        if (!(err instanceof ApiException) && !isNetworkError(err)) throw err;
        const refusal = refusalOf(err);
        // The API server no longer takes the token (expired, revoked): the session is over.
        if (refusal.status === 401) {
          endSession(request, reply);
          return signInRequired(reply);
        }
        if (refusal.kind === 'internal' || refusal.kind === 'unavailable')
          request.log.warn({ status: refusal.status, message: refusal.message }, 'the API server failed a request');
        return refuse(reply, refusal.status === 0 ? 502 : refusal.status, {
          error: refusal.message,
          kind: refusal.kind,
        });
      }
    };

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

  /**
   * A page for the signed-in person; the sign-in page for anyone else, and an expired OIDC sign-in
   * goes through the issuer and back to this very page.
   */
  const personPage =
    (
      render: (kc: KubeConfig, username: string, reply: FastifyReply, name?: string) => Promise<string | FastifyReply>,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      reply.type('text/html; charset=utf-8');
      const current = await renewal.current(request, reply);
      if (current.status === 'expired') return reply.redirect(signInPath(request.url), 303);
      if (current.status === 'signed-out') return signInPage({ oidc: oidc !== undefined, tokenSignIn });
      // Its sign-out form leads to the issuer's end-session endpoint: that origin must be known.
      if (oidc && current.session.method === 'oidc') await oidc.discover().catch(() => {});
      const kc = asUser(cluster, current.session.token);
      try {
        return await render(kc, (await whoami(kc)).username, reply, current.session.name);
      } catch (err) {
        if (!(err instanceof ApiException) || err.code !== 401) throw err;
        endSession(request, reply);
        return signInPage({
          oidc: oidc !== undefined,
          tokenSignIn,
          error: 'Your sign-in has expired. Sign in again.',
        });
      }
    };

  // Whether the page links the Admin Portal: asked once a minute per person, not on every load
  // (a dozen reviews for someone with many namespaces); /admin itself always asks afresh.
  const administers = remembered<boolean>(ADMINISTERS_REMEMBERED_MS);
  app.get(
    '/',
    personPage(async (kc, username, _reply, name) =>
      desktopsPage(
        web,
        { username, name },
        await administers(username, async () => (await adminAccess(kc, username, namespaces)).administers),
      ),
    ),
  );

  if (options.tokenSignIn) {
    app.post('/sign-in/token', async (request, reply) => {
      const token = String((request.body as { token?: unknown } | undefined)?.token ?? '').trim();
      const failed = (status: number, error: string) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .send(signInPage({ oidc: oidc !== undefined, tokenSignIn: true, error }));
      if (!token || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) {
        metrics.signIn('token', 'rejected');
        return failed(400, 'Paste a bearer token: one line, no spaces.');
      }
      let username: string;
      try {
        username = (await whoami(asUser(cluster, token))).username;
      } catch (err) {
        if (err instanceof ApiException && err.code === 401) {
          metrics.signIn('token', 'rejected');
          return failed(401, 'The Kubernetes API server did not accept this token: it is wrong, revoked or expired.');
        }
        metrics.signIn('token', 'error');
        request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'token sign-in failed');
        return failed(502, 'The Kubernetes API server could not be asked who this token belongs to. Try again.');
      }
      const now = Date.now();
      const session: Session = {
        method: 'token',
        token,
        expiresAt: sessionExpiry(token, maxAgeMs, now),
        signedInAt: now,
      };
      if (session.expiresAt <= now) {
        metrics.signIn('token', 'rejected');
        return failed(401, 'This token has expired.');
      }
      metrics.signIn('token', 'success');
      request.log.info({ username, method: 'token' }, 'signed in');
      return reply
        .header('set-cookie', cookies.write(session, request.headers.cookie, origins.secure(request), now))
        .redirect('/', 303);
    });
  }

  if (oidc) {
    oidcRoutes(app, {
      oidc,
      signInState: signInStateCookies(key),
      cookies,
      origins,
      cluster,
      metrics,
      tokenSignIn,
      maxAgeMs,
    });
  }

  // Ends the session here, and at the issuer when it says how: otherwise the next sign-in would
  // pass through the issuer without a password. The refresh token is revoked first, server to
  // server: a copy of this session's cookie can then no longer renew itself, and every replica
  // refuses it at its next check with the issuer (signin/session-renewal.ts).
  app.post('/sign-out', async (request, reply) => {
    const session = cookies.read(request.headers.cookie, origins.secure(request));
    endSession(request, reply);
    if (oidc && session?.method === 'oidc') {
      if (session.refreshToken) {
        try {
          if (!(await oidc.revoke(session.refreshToken)))
            request.log.warn(
              'the OIDC issuer has no revocation endpoint: a copy of this session renews itself until its maximum age',
            );
        } catch (err) {
          request.log.warn(
            { cause: err instanceof Error ? err.message : String(err) },
            'revoking the refresh token at sign-out failed',
          );
        }
      }
      try {
        const url = await oidc.endSessionUrl(`${origins.of(request)}/`);
        if (url) return reply.redirect(url, 303);
      } catch (err) {
        request.log.warn({ cause: err instanceof Error ? err.message : String(err) }, 'the OIDC issuer is unreachable');
      }
    }
    return reply.redirect('/', 303);
  });

  consoleRoutes(app, {
    cluster,
    origins,
    renewal,
    registry: metrics.registry,
    oidc: oidc !== undefined,
    ...(options.consoleRecheckMs === undefined ? {} : { recheckMs: options.consoleRecheckMs }),
  });

  app.get(
    '/api/me',
    asPerson(async (kc) => Me.parse(await whoami(kc))),
  );
  app.get(
    '/api/pools',
    asPerson(async (kc) => PoolList.parse({ pools: await entitledPools(kc, namespaces) })),
  );
  app.get(
    '/api/claims',
    asPerson(async (kc) => ClaimList.parse({ claims: await ownClaims(kc, (await whoami(kc)).username, namespaces) })),
  );
  app.post(
    '/api/claims',
    asPerson(async (kc, request, reply) => {
      const body = CreateClaim.safeParse(request.body);
      if (!body.success)
        return refuse(reply, 400, { error: 'expected {"namespace": "...", "pool": "..."}', kind: 'invalid' });
      const { username } = await whoami(kc);
      // The operator enforces maxDesktopsPerUser: a claim over it is Failed and gets no grant, so
      // the person could not even see it. Said here instead, before anything is created.
      const held = heldBeyondLimit(
        await ownClaims(kc, username, [body.data.namespace]),
        await readPool(kc, body.data.namespace, body.data.pool),
      );
      if (held) return refuse(reply, 409, { error: held, kind: 'conflict' });
      // spec.user is who the API server says the person is; the admission policy checks it again.
      const claim = await createClaim(kc, username, body.data);
      request.log.info({ claim: `${claim.namespace}/${claim.name}` }, 'claim created');
      return reply.code(201).send(ClaimSchema.parse(claim));
    }),
  );
  app.delete(
    '/api/claims/:namespace/:name',
    asPerson(async (kc, request, reply) => {
      const params = ClaimParams.safeParse(request.params);
      if (!params.success) return refuse(reply, 400, { error: 'not a claim name', kind: 'invalid' });
      await releaseClaim(kc, params.data.namespace, params.data.name);
      request.log.info({ claim: `${params.data.namespace}/${params.data.name}` }, 'claim released');
      return reply.code(204).send();
    }),
  );

  desktopRoutes(app, { asPerson, refuse, rdpAddress: rdpTemplate });
  // The user's and the Admin Portal's live updates are counted together, capped apart (an
  // administrator's tabs do not close their own desktops page).
  const streamMetrics = new StreamMetrics(metrics.registry);
  userRoutes(app, {
    asPerson,
    namespaces,
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

/** fetch's failures to reach the API server at all (DNS, refused, TLS), which are not ApiExceptions. */
function isNetworkError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'FetchError' || err.name === 'TypeError' || 'cause' in err);
}
