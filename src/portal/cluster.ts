// The portal has no power of its own: it knows where the API server is and how to trust it, and
// nothing else. Every request to the API server is made with a KubeConfig built here from that
// cluster and the signed-in person's own bearer token; the portal's credentials never go along.
import { readFileSync } from 'node:fs';
import { type Cluster, KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { shareAgent } from '../runtime/client.js';

/** Where the API server is and how to trust it: no user, no credentials. */
export interface PortalCluster {
  readonly cluster: Cluster;
}

/**
 * Takes only the current cluster (server URL, CA, TLS server name) of a KubeConfig loaded from the
 * in-cluster config or the current kubeconfig; its user is dropped here.
 */
export function portalCluster(kc: KubeConfig): PortalCluster {
  const current = kc.getCurrentCluster();
  if (!current) throw new Error('the kubeconfig has no current cluster');
  // The CA is read once now, so a per-request KubeConfig never touches the file system.
  const caData = current.caData ?? (current.caFile ? readFileSync(current.caFile).toString('base64') : undefined);
  return {
    cluster: {
      name: 'portal',
      server: current.server,
      caData,
      tlsServerName: current.tlsServerName,
      skipTLSVerify: current.skipTLSVerify,
      proxyUrl: current.proxyUrl,
    },
  };
}

/**
 * A KubeConfig that speaks to the cluster as the person whose bearer token this is.
 *
 * Its API calls share one pool of kept-alive connections with everyone else's: the token goes in
 * each request's Authorization header, and the connection's TLS carries only the cluster's CA, the
 * same for all. client-node would otherwise open a TCP connection and do a TLS handshake for every
 * call (a page load makes about 12): with 200 people loading their page at once that was most of
 * the portal's CPU (see BENCHMARKS.md, the portal benchmark).
 */
export function asUser(cluster: PortalCluster, token: string): KubeConfig {
  const kc = new UserKubeConfig(cluster);
  kc.loadFromClusterAndUser(cluster.cluster, { name: 'user', token });
  return kc;
}

class UserKubeConfig extends KubeConfig {
  constructor(private readonly shared: PortalCluster) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    shareAgent(this.shared, context);
  }
}
