import { Agent } from 'node:https';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { keepAliveAuth } from '../../src/runtime/client.js';

function kubeconfig(token: string, server = 'https://127.0.0.1:6443'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: false }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function authenticated(auth: ReturnType<typeof keepAliveAuth>): Promise<RequestContext> {
  const request = new RequestContext('https://127.0.0.1:6443/api/v1/namespaces', HttpMethod.GET);
  await auth.applySecurityAuthentication(request);
  return request;
}

describe('API clients reuse connections', () => {
  it('gives every request of a kubeconfig the same keep-alive agent, with its credentials', async () => {
    const auth = keepAliveAuth(kubeconfig('secret'));
    const [a, b] = [await authenticated(auth), await authenticated(auth)];
    expect(a.getAgent()).toBeInstanceOf(Agent);
    expect(a.getAgent()).toBe(b.getAgent());
    expect((a.getAgent() as Agent).options.keepAlive).toBe(true);
    expect(a.getHeaders().Authorization).toBe('Bearer secret');
  });

  it('keeps different kubeconfigs apart', async () => {
    const a = await authenticated(keepAliveAuth(kubeconfig('one')));
    const b = await authenticated(keepAliveAuth(kubeconfig('two')));
    expect(a.getAgent()).not.toBe(b.getAgent());
    expect(b.getHeaders().Authorization).toBe('Bearer two');
  });
});
