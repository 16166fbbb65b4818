// What the portal's tests share: bearer tokens of ServiceAccounts (TokenRequest, as `kubectl create
// token` does) to sign in with, and portals started in-process and stopped after each test.
import { Writable } from 'node:stream';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { type Portal, type PortalOptions, startPortal } from '../../src/portal/server.js';
import { kubeconfig } from './cluster.js';

/** A ServiceAccount of `namespace` and a one-hour bearer token for it. */
export async function serviceAccountToken(
  namespace: string,
  name: string,
  { create = true } = {},
): Promise<{ username: string; token: string }> {
  const core = kubeconfig().makeApiClient(CoreV1Api);
  if (create) await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return { username: `system:serviceaccount:${namespace}:${name}`, token: request.status?.token as string };
}

/** Starts portals on 127.0.0.1 (a free port, the admin's kubeconfig for the cluster only) and stops them after each test. */
export function usePortals() {
  const portals: Portal[] = [];
  afterEach(async () => {
    for (const p of portals.splice(0)) await p.stop();
  });
  return async (options: Omit<PortalOptions, 'kubeconfig'> & Partial<Pick<PortalOptions, 'kubeconfig'>>) => {
    const started = await startPortal({ kubeconfig: kubeconfig(), host: '127.0.0.1', port: 0, ...options });
    portals.push(started);
    return started;
  };
}

/** Everything a portal logs, to show that no token or cookie is ever in it. */
export function captureLogs(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level }, stream), lines, text: () => lines.join('') };
}
