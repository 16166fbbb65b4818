// What a test does to the "guest" and to KubeVirt's subresource API: log users in (the simulator's
// virt-api reports them through `userlist`), and call start/stop/restart/userlist/guestosinfo as a
// given user through the API server, getting the answer as it came (4xx and 5xx included).
import { request } from 'node:https';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { LOGGED_IN_USERS_ANNOTATION } from '../../local/simulator/virt-api/guestagent.js';

export interface LoggedInUser {
  userName: string;
  domain?: string;
  /** Seconds since the epoch (fractional), as the guest agent reports it. */
  loginTime?: number;
}

/**
 * Sets who is logged in to the VMI's guest: names (logged in now) or full entries. An empty list
 * logs everyone out. Retries while the VMI does not exist yet.
 */
export async function setLoggedInUsers(
  kc: KubeConfig,
  namespace: string,
  vmi: string,
  users: string[] | LoggedInUser[],
  timeoutMs = 30_000,
): Promise<void> {
  const now = Date.now() / 1000;
  const entries = users.map((u) => (typeof u === 'string' ? { userName: u, domain: '', loginTime: now } : u));
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // A merge patch carries no resourceVersion; a conflict can only come from something odd
      // in between, so it is retried like a missing VMI.
      await api.patchNamespacedCustomObject(
        {
          group: 'kubevirt.io',
          version: 'v1',
          plural: 'virtualmachineinstances',
          namespace,
          name: vmi,
          body: { metadata: { annotations: { [LOGGED_IN_USERS_ANNOTATION]: JSON.stringify(entries) } } },
          fieldManager: 'kubevdi-test',
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    } catch (err) {
      const code = (err as { code?: number }).code;
      if ((code !== 404 && code !== 409) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface SubresourceAnswer {
  status: number;
  /** Parsed JSON when the answer is JSON, else the text ('' for none). */
  body: unknown;
}

/** PUT .../virtualmachines/NAME/{start,stop,restart} as the kubeconfig's user. */
export function vmSubresource(
  kubeconfigPath: string,
  namespace: string,
  name: string,
  action: 'start' | 'stop' | 'restart',
  options?: Record<string, unknown>,
): Promise<SubresourceAnswer> {
  return apiRequest(kubeconfigPath, 'PUT', subresourcePath(namespace, `virtualmachines/${name}/${action}`), options);
}

/** GET .../virtualmachineinstances/NAME/{userlist,guestosinfo} as the kubeconfig's user. */
export function vmiSubresource(
  kubeconfigPath: string,
  namespace: string,
  name: string,
  what: 'userlist' | 'guestosinfo',
): Promise<SubresourceAnswer> {
  return apiRequest(kubeconfigPath, 'GET', subresourcePath(namespace, `virtualmachineinstances/${name}/${what}`));
}

function subresourcePath(namespace: string, rest: string): string {
  return `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/${rest}`;
}

/** A request to the API server as the kubeconfig's user, answered as it came. */
export async function apiRequest(
  kubeconfigPath: string,
  method: 'GET' | 'PUT',
  path: string,
  body?: Record<string, unknown>,
): Promise<SubresourceAnswer> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`${kubeconfigPath} names no cluster`);
  const url = new URL(path, server);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const options: Parameters<typeof request>[1] = {
    method,
    headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}) },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = (res.headers['content-type'] ?? '').includes('json');
        try {
          resolve({ status: res.statusCode ?? 0, body: json && text ? JSON.parse(text) : text });
        } catch (err) {
          reject(err);
        }
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(payload);
  });
}
