// The simulator's virt-api: KubeVirt's subresource API (start/stop/restart, userlist/guestosinfo,
// VNC) served over HTTPS and registered as APIService v1.subresources.kubevirt.io, so requests from
// real users reach it through the real API server's aggregation layer, authenticated and
// RBAC-authorized there. See README.md.
//
//   const virtApi = await startVirtApi({ kubeconfig: admin, frontProxyCaFile: cp.frontProxy.caFile });
//   ...
//   await virtApi.stop();
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate } from '../../devcluster/certs.js';
import { FRONT_PROXY_CLIENT } from '../../devcluster/pki.js';
import { VirtApiClient } from './kube.js';
import { register, SERVICE_DNS_NAME, unregister, waitAvailable } from './register.js';
import { createVirtApiServer } from './server.js';
import { VncConsoles } from './vnc.js';

export interface VirtApiOptions {
  /** The admin's: virt-api reads and writes VMs and VMIs, and registers itself. */
  kubeconfig: KubeConfig;
  /** The CA of the client certificate the API server presents when it proxies to us. */
  frontProxyCaFile: string;
  /** Accepted CNs of that client certificate (the API server's --requestheader-allowed-names). */
  allowedNames?: string[];
  /** One line per request and per VNC session event. */
  log?: (line: string) => void;
  /** How long to wait for the APIService to turn Available (default 60 s). */
  availableTimeoutMs?: number;
}

export interface VirtApi {
  port: number;
  /** Closes the server and every VNC session, and removes the APIService if it is still ours. */
  stop(): Promise<void>;
  /**
   * Closes the server and every VNC session but leaves the APIService: virt-api down behind its
   * Service, as when its pods crash (the API server then answers 503 for the group).
   */
  crash(): Promise<void>;
}

export async function startVirtApi(opts: VirtApiOptions): Promise<VirtApi> {
  const log = opts.log ?? (() => {});
  const [frontProxyCa, serving] = await Promise.all([readFile(opts.frontProxyCaFile, 'utf8'), servingCertificate()]);
  const client = new VirtApiClient(opts.kubeconfig);
  const consoles = new VncConsoles(client, opts.kubeconfig, log);
  let proxied = 0;
  const server = createVirtApiServer({
    cert: serving.certPem,
    key: serving.keyPem,
    frontProxyCa,
    allowedNames: opts.allowedNames ?? [FRONT_PROXY_CLIENT],
    client,
    consoles,
    log,
    onProxied: () => {
      proxied++;
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const close = async () => {
    consoles.closeAll();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await register(opts.kubeconfig, { port, caPem: serving.caPem });
    await waitAvailable(opts.kubeconfig, () => proxied > 0, opts.availableTimeoutMs);
  } catch (err) {
    await close();
    throw err;
  }
  log(`virt-api: serving ${SERVICE_DNS_NAME} on https://127.0.0.1:${port}`);

  let stopped: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  const closeOnce = () => {
    closed ??= close();
    return closed;
  };
  return {
    port,
    crash: closeOnce,
    stop() {
      stopped ??= (async () => {
        await closeOnce();
        // Bounded: at shutdown the API server may already be going away.
        await Promise.race([
          unregister(opts.kubeconfig, port).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 3000).unref()),
        ]);
      })();
      return stopped;
    },
  };
}

/** A fresh CA per start (its PEM becomes the APIService's caBundle) and a certificate for the Service's name. */
async function servingCertificate(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const ca = await createCertificateAuthority('kubevdi-simulator-virt-api-ca');
  const leaf = await issueCertificate(ca, {
    subject: { commonName: SERVICE_DNS_NAME },
    usage: 'server',
    hosts: [SERVICE_DNS_NAME, 'localhost', '127.0.0.1'],
  });
  return { caPem: ca.certPem, ...leaf };
}
