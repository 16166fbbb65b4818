// Sign-in through the test world's OpenID provider, as the portal will do it: the real
// authorization-code flow with PKCE and the provider's own login form, then the ID token as the
// bearer token for the real API server, which trusts the issuer through --authentication-config.
// What the API server makes of the token (user, groups, RBAC, expiry) is what the portal relies on.
import { describe, expect, inject, it } from 'vitest';
import { applyAs, kubeconfig, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { authorize, httpsRequest, refresh, SignInError, signIn } from './support/oidc-login.js';
import { OIDC_USERS } from './support/users.js';

const namespace = useTestNamespace('oidc');
const cluster = inject('cluster');
const oidc = cluster.oidc;
const ada = { username: 'ada', password: OIDC_USERS.ada?.password ?? '' };

function clusterCaPem(): string {
  const caData = kubeconfig().getCurrentCluster()?.caData;
  if (!caData) throw new Error('admin kubeconfig without inline CA data');
  return Buffer.from(caData, 'base64').toString('utf8');
}

/** A request to the API server with nothing but a bearer token: what the portal will send. */
async function asBearer(token: string, method: string, path: string, body?: unknown) {
  const res = await httpsRequest(new URL(path, cluster.url), {
    ca: clusterCaPem(),
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
}

async function whoAmI(token: string): Promise<{ username?: string; groups?: string[] }> {
  const res = await asBearer(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
  });
  if (res.status !== 201) throw new Error(`SelfSubjectReview: HTTP ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body.status as { userInfo: { username?: string; groups?: string[] } }).userInfo;
}

function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('OpenID Connect sign-in against the real API server', () => {
  it('gives an ID token with email and groups that the API server maps to oidc: users and groups', async () => {
    const tokens = await signIn(oidc, ada);
    expect(claimsOf(tokens.id_token)).toMatchObject({
      iss: oidc.issuer,
      aud: oidc.clientId,
      sub: 'ada',
      email: 'ada@example.com',
      groups: ['vdi-users'],
    });
    expect(tokens.refresh_token).toBeTruthy();

    // The API server fetched the issuer's discovery document at start; it retries every ~10 s if
    // that raced the provider, hence eventually.
    const user = await eventually(() => whoAmI(tokens.id_token), 30_000, 500);
    expect(user.username).toBe('oidc:ada@example.com');
    expect(user.groups).toEqual(expect.arrayContaining(['oidc:vdi-users', 'system:authenticated']));
  });

  it('refuses without RBAC, naming the person, and allows once a Role is bound to the oidc: group', async () => {
    const { id_token } = await signIn(oidc, ada);
    const configMaps = `/api/v1/namespaces/${namespace()}/configmaps`;

    const refused = await asBearer(id_token, 'GET', configMaps);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('User "oidc:ada@example.com" cannot list resource "configmaps"');

    const apply = applyAs();
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmap-reader', namespace: namespace() },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    });
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'vdi-users-read-configmaps', namespace: namespace() },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
      // The group as the API server sees it: with the prefix of the AuthenticationConfiguration.
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:vdi-users' }],
    });
    // RBAC's cache follows the binding within moments.
    await eventually(async () => expect((await asBearer(id_token, 'GET', configMaps)).status).toBe(200));

    // Grace is not in vdi-users: the binding does nothing for her.
    const grace = await signIn(oidc, { username: 'grace', password: OIDC_USERS.grace?.password ?? '' });
    expect(await whoAmI(grace.id_token)).toMatchObject({ username: 'oidc:grace@example.com' });
    expect((await whoAmI(grace.id_token)).groups).toContain('oidc:vdi-admins');
    expect((await asBearer(grace.id_token, 'GET', configMaps)).status).toBe(403);
  });

  it('answers 401 to a garbage token, a tampered token and an access token', async () => {
    const tokens = await signIn(oidc, ada);
    const [header, , signature] = tokens.id_token.split('.');
    const claims = claimsOf(tokens.id_token);
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, email: 'grace@example.com', groups: ['vdi-admins'] })).toString(
        'base64url',
      ),
      signature,
    ].join('.');
    for (const token of ['not-a-token', tampered, tokens.access_token]) {
      const res = await asBearer(token, 'GET', `/api/v1/namespaces/${namespace()}/configmaps`);
      expect(res.status, token.slice(0, 20)).toBe(401);
    }
  });

  it('answers 401 to an ID token past its exp, and takes the one a refresh gives', async () => {
    const tokens = await signIn(oidc, { ...ada, clientId: oidc.shortLivedClientId });
    const { exp } = claimsOf(tokens.id_token) as { exp: number };
    expect(exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(2);

    // Not presented before it expires: the API server caches a successful authentication for
    // ~10 s (measured: a token used at iat was still taken 8.8 s after its exp), so a token it
    // has seen stays good for up to 10 s past exp; one it has not is refused at once.
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 1000));
    const res = await asBearer(tokens.id_token, 'GET', `/api/v1/namespaces/${namespace()}/configmaps`);
    expect(res.status, JSON.stringify(res.body)).toBe(401);

    if (!tokens.refresh_token) throw new Error('no refresh token');
    const renewed = await refresh(oidc, tokens.refresh_token, oidc.shortLivedClientId);
    expect((await whoAmI(renewed.id_token)).username).toBe('oidc:ada@example.com');
  });

  it('renews the ID token with the refresh token, keeping email and groups', async () => {
    const first = await signIn(oidc, ada);
    if (!first.refresh_token) throw new Error('no refresh token');
    const renewed = await refresh(oidc, first.refresh_token);
    expect(claimsOf(renewed.id_token)).toMatchObject({ email: 'ada@example.com', groups: ['vdi-users'] });
    expect(await whoAmI(renewed.id_token)).toMatchObject({
      username: 'oidc:ada@example.com',
      groups: expect.arrayContaining(['oidc:vdi-users']),
    });
  });

  it('refuses a wrong password or an unknown user on its login form, and an unregistered redirect_uri', async () => {
    const wrong = await authorize(oidc, { username: 'ada', password: 'not-her-password' }).catch((err) => err);
    expect(wrong).toBeInstanceOf(SignInError);
    expect((wrong as SignInError).response.status).toBe(401);
    expect((wrong as SignInError).response.body).toContain('Wrong username or password.');

    const unknown = await authorize(oidc, { username: 'nobody', password: 'x' }).catch((err) => err);
    expect((unknown as SignInError).response.status).toBe(401);

    // No form at all: the provider does not redirect to a URI it does not know.
    const elsewhere = { ...oidc, redirectUris: ['https://portal.example.com/auth/callback'] };
    const foreign = await authorize(elsewhere, ada).catch((err) => err);
    expect(foreign).toBeInstanceOf(SignInError);
    expect((foreign as SignInError).response.status).toBe(400);
    expect((foreign as SignInError).response.body).toContain('redirect_uri');
  });
});
