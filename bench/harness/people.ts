// The people of a benchmark: ServiceAccounts bound to kubevdi:user, each with a token as
// `kubectl create token` gives one, some holding a desktop, signed in on the portal's token form.
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { API_VERSION } from '../../src/api/index.js';
import { makeApply } from '../../src/runtime/apply.js';
import { makeApiClient } from '../../src/runtime/client.js';
import { type Claim, isBoundAndReady } from '../claims.js';
import { FIELD_MANAGER, PATHS } from './fixtures.js';
import { runConcurrently } from './stats.js';
import { waitUntil } from './wait.js';
import { watchCollection } from './watch.js';

export interface User {
  name: string;
  username: string;
  token: string;
  cookie?: string;
  holdsDesktop: boolean;
}

/** N ServiceAccounts bound to kubevdi:user in the namespace, each with a one-hour token. */
export async function makeUsers(admin: KubeConfig, namespace: string, n: number, withDesktop: number): Promise<User[]> {
  const core = makeApiClient(admin, CoreV1Api);
  const names = Array.from({ length: n }, (_, i) => `user-${String(i).padStart(4, '0')}`);
  await makeApiClient(admin, RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'kubevdi-users' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubevdi:user' },
      subjects: names.map((name) => ({ kind: 'ServiceAccount', name, namespace })),
    },
  });
  const people: User[] = [];
  await runConcurrently(n, 16, async (i) => {
    const name = names[i] as string;
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    const request = await core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    people[i] = {
      name,
      username: `system:serviceaccount:${namespace}:${name}`,
      token: request.status?.token as string,
      // Spread over the list, not the first few.
      holdsDesktop:
        withDesktop > 0 && i % Math.floor(n / withDesktop) === 0 && i / Math.floor(n / withDesktop) < withDesktop,
    };
  });
  return people;
}

/**
 * A claim for each of these users (made by the admin, who may claim for others), until Bound with a
 * ready desktop; resolves with each user's desktop, by user name.
 */
export async function holdDesktops(
  admin: KubeConfig,
  namespace: string,
  pool: string,
  holders: User[],
): Promise<Map<string, string>> {
  const bound = new Map<string, string>();
  const watcher = await watchCollection<Claim>(admin, PATHS.claims(namespace), (claim) => {
    if (isBoundAndReady(claim)) bound.set(claim.metadata?.name ?? '', claim.status?.desktop?.name ?? '');
  });
  try {
    const apply = makeApply(admin, FIELD_MANAGER);
    for (const user of holders) {
      await apply({
        apiVersion: API_VERSION,
        kind: 'DesktopClaim',
        metadata: { name: `${user.name}-desk`, namespace },
        spec: { poolRef: { name: pool }, user: user.username },
      });
    }
    await waitUntil(`${holders.length} claims to be Bound with a ready desktop`, 180_000, async () =>
      holders.every((u) => bound.has(`${u.name}-desk`)),
    );
    return new Map(holders.map((u) => [u.name, bound.get(`${u.name}-desk`) as string]));
  } finally {
    watcher.stop();
  }
}

/** Signs in on the portal's token form, as a person pasting their token; returns the session cookie. */
export async function signIn(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/sign-in/token`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
    body: new URLSearchParams({ token }).toString(),
  });
  await response.arrayBuffer();
  const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0] as string);
  if (response.status !== 303 || cookies.length === 0)
    throw new Error(`token sign-in answered ${response.status} without a session`);
  return cookies.join('; ');
}
