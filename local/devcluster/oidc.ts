// A real OpenID Connect provider (the `oidc-provider` package) for the local control plane, so
// the portal's sign-in is tested against the same protocol a cluster's Keycloak or Dex speaks
// and the API server verifies the very ID tokens the portal gets. HTTPS on loopback with a
// certificate for `localhost` from a CA of its own, which the API server is told to trust.
//
// A person's browser does not trust that CA, and should not be asked to: the pages it is sent to
// (authorization with the login form, end-session) are also served on plain http on 127.0.0.1,
// and discovery names those, while discovery itself, the keys, the token and revocation
// endpoints — what the API server and the portal call — stay on the HTTPS issuer. Loopback
// traffic never leaves the machine, as RFC 8252 reasons for native apps' redirect URIs.
//
// The provider's own development login screens accept any password, so the interactions
// (login, then consent) are ours: a form checked against a fixed list of users, and consent
// given without asking, as for a first-party client.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createCertificateAuthority, issueCertificate } from './certs.js';
import { LOGIN_FIELDS, loginPage, logoutPage, messagePage } from './oidc-login-page.js';

export interface OidcUser {
  password: string;
  /** The `name` claim (scope `profile`), when given. */
  name?: string;
  email: string;
  groups: string[];
}

export type OidcClient = ClientMetadata & {
  /** Lifetime of this client's ID tokens; the provider's default (1 h) otherwise. For expiry tests. */
  idTokenTtlSeconds?: number;
};

export interface OidcProviderOptions {
  /** The host name in the issuer URL; the API server compares `iss` with it character for character. */
  issuerHost?: string;
  /** 0 (default) picks a free port; the issuer URL names the one bound. */
  port?: number;
  /** Sign-in name -> password and the claims of the ID token. The name is also the `sub`. */
  users: Record<string, OidcUser>;
  clients: OidcClient[];
  /** A serving certificate for `issuerHost` and the CA that issued it; made here when absent. */
  tls?: { certPem: string; keyPem: string; caPem: string };
  log?: (line: string) => void;
}

export interface OidcProvider {
  /** https://<issuerHost>:<port>, exactly the `iss` of its tokens. */
  issuer: string;
  /** http://127.0.0.1:<port>: where browsers are sent to sign in and out, without a certificate to trust. */
  browserUrl: string;
  /** The CA of the serving certificate, for clients and the API server's AuthenticationConfiguration. */
  caPem: string;
  /** Idempotent. */
  stop(): Promise<void>;
}

/**
 * Scopes and the claims they release. `groups` as a scope of its own, as Dex has it; `email`
 * with `email_verified`, which the API server checks when the user name comes from `email`.
 */
export const OIDC_CLAIMS = {
  openid: ['sub'],
  profile: ['name'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
} as const;

/** What a client asks for to get a user name, groups and a refresh token. */
export const OIDC_SCOPES = 'openid profile email groups offline_access';

const INTERACTION_PREFIX = '/interaction/';
/** The discovery document, and the endpoints in it that a browser visits. */
const DISCOVERY_PATH = '/.well-known/openid-configuration';
const BROWSER_ENDPOINTS = ['authorization_endpoint', 'end_session_endpoint'] as const;

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const log = options.log ?? (() => {});
  const host = options.issuerHost ?? 'localhost';
  const tls = options.tls ?? (await selfIssuedTls(host));
  const users = new Map(Object.entries(options.users));
  const idTokenTtls = new Map(
    options.clients.flatMap((c) => (c.idTokenTtlSeconds ? [[c.client_id, c.idTokenTtlSeconds] as const] : [])),
  );
  const clients = options.clients.map(({ idTokenTtlSeconds: _, ...metadata }) => metadata);

  // The provider needs its issuer URL at construction and the URL needs the port: bind first,
  // attach the handler after.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => handler(req, res));
  const port = await listen(server, options.port ?? 0);
  const issuer = `https://${host}:${port}`;
  const browserServer = createHttpServer((req, res) => handler(req, res));
  const browserUrl = `http://127.0.0.1:${await listen(browserServer, 0)}`;

  const provider = new Provider(issuer, configuration({ users, clients, idTokenTtls }));
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== DISCOVERY_PATH || typeof ctx.body !== 'object' || ctx.body === null) return;
    const metadata = ctx.body as Record<string, unknown>;
    for (const name of BROWSER_ENDPOINTS) {
      if (typeof metadata[name] !== 'string') continue;
      const endpoint = new URL(metadata[name]);
      metadata[name] = new URL(endpoint.pathname + endpoint.search, browserUrl).href;
    }
  });
  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) =>
    log(`oidc provider error: ${err.stack ?? err}`),
  );
  const interactions = interactionHandler(provider, users, log);
  const callback = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith(INTERACTION_PREFIX)) {
      interactions(req, res).catch((err: unknown) => {
        log(`oidc interaction failed: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) sendHtml(res, 500, messagePage('Sign-in failed', 'An internal error occurred.'));
        else res.end();
      });
      return;
    }
    callback(req, res);
  };
  log(`oidc provider ready at ${issuer} (pages for browsers at ${browserUrl})`);

  let stopped: Promise<void> | undefined;
  return {
    issuer,
    browserUrl,
    caPem: tls.caPem,
    stop() {
      stopped ??= Promise.all(
        [server, browserServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => {});
      return stopped;
    },
  };
}

interface ConfigurationInput {
  users: Map<string, OidcUser>;
  clients: ClientMetadata[];
  idTokenTtls: Map<string, number>;
}

function configuration({ users, clients, idTokenTtls }: ConfigurationInput): Configuration {
  return {
    clients,
    // Per start: tokens of an earlier run must not verify (the API server trusts the issuer URL,
    // which a later run may reuse on the same port).
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: Object.fromEntries(Object.entries(OIDC_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    // By default the code flow's ID token holds only sub/nonce/aud/exp/iat/iss (the rest is for
    // the userinfo endpoint); the API server reads the user name and groups from the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // RFC 7009, as Keycloak and most issuers have it: the portal revokes a refresh token at
      // sign-out, which ends its grant (the provider's default revokeGrantPolicy).
      // Only the client a token was issued to may revoke it.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      // The end-session endpoint's question as a plain page of ours (the provider's default
      // loads web fonts from the internet and styles inline).
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.set('content-security-policy', CONTENT_SECURITY_POLICY);
          ctx.body = logoutPage({ form, clientId: ctx.oidc.client?.clientId });
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PREFIX}${interaction.uid}` },
    ttl: {
      IdToken: (_ctx, _token, client) => idTokenTtls.get(client.clientId) ?? 3600,
      // Explicit (the provider nags about defaults). A working day for whatever outlives a
      // sign-in; the state lives in memory and ends with the process anyway.
      AccessToken: () => 3600,
      Interaction: () => 3600,
      Session: () => 12 * 3600,
      Grant: () => 12 * 3600,
      RefreshToken: () => 12 * 3600,
    },
    // Errors a person sees before any redirect (an unknown client or redirect_uri): our plain
    // page, without the provider's default inline styles.
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.set('content-security-policy', CONTENT_SECURITY_POLICY);
      const description = out.error_description ? `: ${out.error_description}` : '';
      ctx.body = messagePage('Sign-in failed', `${out.error}${description}`);
    },
    async findAccount(_ctx, id) {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          ...(user.name ? { name: user.name } : {}),
          email: user.email,
          email_verified: true,
          groups: [...user.groups],
        }),
      };
    },
  };
}

/** RS256, the algorithm every OIDC client and the API server support. */
function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

type Interactions = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function interactionHandler(
  provider: Provider,
  users: Map<string, OidcUser>,
  log: (line: string) => void,
): Interactions {
  return async (req, res) => {
    let interaction: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch {
      // No such interaction, expired, or its cookie is missing (another browser, cookies off).
      sendHtml(res, 400, messagePage('Sign-in expired', 'Go back to the application and sign in again.'));
      return;
    }
    const action = `${INTERACTION_PREFIX}${interaction.uid}`;
    const clientId = String(interaction.params.client_id ?? '');

    if (interaction.prompt.name === 'login') {
      if (req.method === 'GET') {
        sendHtml(res, 200, loginPage({ action, clientId }));
        return;
      }
      if (req.method !== 'POST') {
        sendHtml(res, 405, messagePage('Method not allowed', 'Use the sign-in form.'));
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      const username = form.get(LOGIN_FIELDS.username)?.trim() ?? '';
      const password = form.get(LOGIN_FIELDS.password) ?? '';
      const user = users.get(username);
      if (!user || user.password !== password) {
        log(`oidc sign-in refused for "${username}"`);
        sendHtml(res, 401, loginPage({ action, clientId, username, error: 'Wrong username or password.' }));
        return;
      }
      log(`oidc sign-in of "${username}" for ${clientId}`);
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: username } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (interaction.prompt.name === 'consent') {
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grantAll(provider, interaction) } },
        {
          mergeWithLastSubmission: true,
        },
      );
      return;
    }
    sendHtml(res, 400, messagePage('Sign-in failed', `Unsupported prompt "${interaction.prompt.name}".`));
  };
}

/** Consent without asking: every client here is first-party, as the portal is to its cluster's issuer. */
async function grantAll(provider: Provider, interaction: Awaited<ReturnType<Provider['interactionDetails']>>) {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new Error('consent prompt without a signed-in account');
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
  if (!grant) throw new Error(`grant ${interaction.grantId} vanished`);
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

async function selfIssuedTls(host: string): Promise<{ certPem: string; keyPem: string; caPem: string }> {
  const ca = await createCertificateAuthority('kubevdi-devcluster-oidc-ca');
  const hosts = [...new Set([host, 'localhost', '127.0.0.1'])];
  const serving = await issueCertificate(ca, { subject: { commonName: host }, usage: 'server', hosts });
  return { ...serving, caPem: ca.certPem };
}

function listen(server: Server | HttpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: `localhost` in the issuer resolves here (the API server falls back from ::1).
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const MAX_FORM_BYTES = 16 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) throw new Error('sign-in form too large');
  }
  return body;
}

/** No scripts or styles at all; framing refused so the form can't be overlaid. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}
