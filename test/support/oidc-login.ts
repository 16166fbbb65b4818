// Signs a person in at the test world's OpenID provider the way a browser would, without one:
// the authorization-code flow with PKCE, following redirects by hand, filling in the provider's
// login form with the interaction cookie, and exchanging the code at the token endpoint. Only
// node:https with the issuer's CA, so nothing here depends on a global trust store; the provider's
// pages for browsers (login, end-session) are plain http on loopback.
import { createHash, randomBytes } from 'node:crypto';
import { request as plainRequest } from 'node:http';
import { request } from 'node:https';
import { asUser, portalCluster } from '../../src/portal/cluster.js';
import { whoami } from '../../src/portal/whoami.js';
import { kubeconfig } from './cluster.js';
import { eventually } from './eventually.js';
import type { OidcInfo } from './users.js';

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpsRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM of the CA to trust for this request. */
  ca: string;
}

/** One request (https with `ca`, or http), no redirects followed, the status returned rather than thrown. */
export function httpsRequest(url: string | URL, options: HttpsRequest): Promise<HttpsResponse> {
  const https = new URL(url).protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? request : plainRequest)(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(https ? { ca: options.ca } : {}),
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
}

export interface SignInOptions {
  username: string;
  password: string;
  /** Default: the portal's client. */
  clientId?: string;
  /** Default `openid email groups offline_access`. */
  scope?: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

export async function discover(oidc: OidcInfo): Promise<Discovery> {
  const res = await httpsRequest(`${oidc.issuer}/.well-known/openid-configuration`, { ca: oidc.caPem });
  if (res.status !== 200) throw new Error(`discovery at ${oidc.issuer}: HTTP ${res.status}`);
  return JSON.parse(res.body) as Discovery;
}

/** What the redirect_uri receives: `code` and `state`, or `error` and its description. */
export async function authorize(oidc: OidcInfo, options: SignInOptions): Promise<{ code: string; verifier: string }> {
  const { authorization_endpoint } = await discover(oidc);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const redirectUri = redirectUriOnSomePort(oidc);
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: options.clientId ?? oidc.clientId,
    response_type: 'code',
    scope: options.scope ?? 'openid email groups offline_access',
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    nonce: randomBytes(16).toString('base64url'),
    // Without it the provider drops offline_access, as OpenID Connect Core says it must.
    prompt: 'consent',
  }).toString();

  const cookies = new Map<string, string>();
  let res = await send(url, { ca: oidc.caPem }, cookies);
  let at = url;
  for (let step = 0; step < 10; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(String(res.headers.location), at);
      if (next.href.startsWith(redirectUri)) return { code: codeFrom(next, state), verifier };
      at = next;
      res = await send(next, { ca: oidc.caPem }, cookies);
    } else if (res.status === 200 && res.body.includes('<form')) {
      const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1];
      if (!action) throw new Error('login form without an action');
      at = new URL(action.replaceAll('&amp;', '&'), at);
      res = await send(
        at,
        {
          ca: oidc.caPem,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: options.username, password: options.password }).toString(),
        },
        cookies,
      );
    } else {
      throw new SignInError(res);
    }
  }
  throw new Error('sign-in did not reach the redirect_uri within 10 steps');
}

/** The whole sign-in: authorization code, then tokens. */
export async function signIn(oidc: OidcInfo, options: SignInOptions): Promise<Tokens> {
  const { code, verifier } = await authorize(oidc, options);
  return tokenRequest(oidc, options.clientId ?? oidc.clientId, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUriOnSomePort(oidc),
    code_verifier: verifier,
  });
}

export function refresh(oidc: OidcInfo, refreshToken: string, clientId = oidc.clientId): Promise<Tokens> {
  return tokenRequest(oidc, clientId, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export class SignInError extends Error {
  constructor(readonly response: HttpsResponse) {
    super(`sign-in stopped at HTTP ${response.status}: ${response.body.slice(0, 300)}`);
  }
}

async function tokenRequest(oidc: OidcInfo, clientId: string, params: Record<string, string>): Promise<Tokens> {
  const { token_endpoint } = await discover(oidc);
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(oidc.clientSecret)}`).toString(
    'base64',
  );
  const res = await httpsRequest(token_endpoint, {
    ca: oidc.caPem,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(params).toString(),
  });
  if (res.status !== 200) throw new Error(`token endpoint: HTTP ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as Tokens;
}

/** A port no portal listens on: the provider must accept any port of a loopback redirect URI. */
function redirectUriOnSomePort(oidc: OidcInfo): string {
  const uri = new URL(oidc.redirectUris[0] ?? 'http://127.0.0.1/auth/callback');
  uri.port = '48213';
  return uri.href;
}

function codeFrom(redirect: URL, state: string): string {
  const error = redirect.searchParams.get('error');
  if (error) throw new Error(`authorization refused: ${error}: ${redirect.searchParams.get('error_description')}`);
  if (redirect.searchParams.get('state') !== state) throw new Error('state changed on the way');
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.href}`);
  return code;
}

/** A cookie jar just big enough for one sign-in at one host: names and values, paths ignored. */
async function send(url: URL, options: HttpsRequest, cookies: Map<string, string>): Promise<HttpsResponse> {
  const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const res = await httpsRequest(url, { ...options, headers: { ...options.headers, ...(cookie ? { cookie } : {}) } });
  for (const line of [res.headers['set-cookie'] ?? []].flat()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    // The provider clears a cookie by setting it empty (and expired).
    if (value) cookies.set(name, value);
    else cookies.delete(name);
  }
  return res;
}

/**
 * Waits until the API server accepts `person`'s ID tokens: it reads the issuer's discovery
 * document at start and retries every ~10 s, so the first sign-ins of a run may be early.
 */
export async function apiServerTrustsIssuer(oidc: OidcInfo, person: SignInOptions): Promise<void> {
  const cluster = portalCluster(kubeconfig());
  await eventually(async () => whoami(asUser(cluster, (await signIn(oidc, person)).id_token)), 30_000, 500);
}
