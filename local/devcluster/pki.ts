// The control plane's public-key infrastructure, laid out as files under `<workDir>/pki` the
// way the servers' flags want them. Two CAs, as in kubeadm clusters: the cluster CA signs the
// API server's serving certificate and every user, the front-proxy CA signs only the client
// certificate the API server presents to aggregated API servers (who trust it for
// X-Remote-User headers — so it must not be able to mint ordinary users, and vice versa).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCertificateAuthority, createSigningKeyPair, issueCertificate, type PemPair } from './certs.js';

export const ADMIN_USER = 'kubevdi-admin';
export const FRONT_PROXY_CLIENT = 'front-proxy-client';
const MASTERS = 'system:masters';

export interface CertFiles {
  certFile: string;
  keyFile: string;
}

export interface Pki {
  caFile: string;
  caKeyFile: string;
  caPem: string;
  /** The API server's serving certificate. */
  serving: CertFiles;
  frontProxy: { caFile: string; clientCertFile: string; clientKeyFile: string };
  serviceAccount: { privateKeyFile: string; publicKeyFile: string };
  /** Client credentials, embedded into kubeconfigs rather than read from files. */
  admin: PemPair;
  controllerManager: PemPair;
  users: Map<string, PemPair>;
}

export interface PkiOptions {
  /** Names and addresses clients use to reach the API server. */
  servingHosts: string[];
  /** Test users: name -> groups. */
  users: Record<string, string[]>;
}

export async function createPki(dir: string, options: PkiOptions): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [ca, frontProxyCa, serviceAccount] = await Promise.all([
    createCertificateAuthority('kubevdi-devcluster-ca'),
    createCertificateAuthority('kubevdi-devcluster-front-proxy-ca'),
    createSigningKeyPair(),
  ]);
  const [serving, frontProxyClient, admin, controllerManager, users] = await Promise.all([
    issueCertificate(ca, { subject: { commonName: 'kube-apiserver' }, usage: 'server', hosts: options.servingHosts }),
    issueCertificate(frontProxyCa, { subject: { commonName: FRONT_PROXY_CLIENT }, usage: 'client' }),
    issueCertificate(ca, { subject: { commonName: ADMIN_USER, organizations: [MASTERS] }, usage: 'client' }),
    // In system:masters, not only its own RBAC role: without --use-service-account-credentials the
    // garbage collector and namespace controller act as this user and must delete anything (FACTS.md).
    issueCertificate(ca, {
      subject: { commonName: 'system:kube-controller-manager', organizations: [MASTERS] },
      usage: 'client',
    }),
    Promise.all(
      Object.entries(options.users).map(
        async ([name, groups]) =>
          [
            name,
            await issueCertificate(ca, { subject: { commonName: name, organizations: groups }, usage: 'client' }),
          ] as const,
      ),
    ),
  ]);

  const file = (name: string) => path.join(dir, name);
  const pki: Pki = {
    caFile: file('ca.crt'),
    caKeyFile: file('ca.key'),
    caPem: ca.certPem,
    serving: { certFile: file('apiserver.crt'), keyFile: file('apiserver.key') },
    frontProxy: {
      caFile: file('front-proxy-ca.crt'),
      clientCertFile: file('front-proxy-client.crt'),
      clientKeyFile: file('front-proxy-client.key'),
    },
    serviceAccount: { privateKeyFile: file('sa.key'), publicKeyFile: file('sa.pub') },
    admin,
    controllerManager,
    users: new Map(users),
  };
  await Promise.all([
    writePublic(pki.caFile, ca.certPem),
    writeSecret(pki.caKeyFile, ca.keyPem),
    writePublic(pki.serving.certFile, serving.certPem),
    writeSecret(pki.serving.keyFile, serving.keyPem),
    writePublic(pki.frontProxy.caFile, frontProxyCa.certPem),
    writePublic(pki.frontProxy.clientCertFile, frontProxyClient.certPem),
    writeSecret(pki.frontProxy.clientKeyFile, frontProxyClient.keyPem),
    writeSecret(pki.serviceAccount.privateKeyFile, serviceAccount.privateKeyPem),
    writePublic(pki.serviceAccount.publicKeyFile, serviceAccount.publicKeyPem),
  ]);
  return pki;
}

/**
 * `kubevdi dev`'s CA for desktops' RDP certificates, beside the control plane's: the simulator issues
 * each desktop's certificate from it (--desktop-ca-cert/--desktop-ca-key), and a portal that trusts
 * it (--rdp-ca) can verify the desktops it connects to.
 */
export async function createDesktopCa(dir: string): Promise<{ caFile: string; caKeyFile: string }> {
  const ca = await createCertificateAuthority('kubevdi-dev-desktop-ca');
  const files = { caFile: path.join(dir, 'desktop-ca.crt'), caKeyFile: path.join(dir, 'desktop-ca.key') };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await Promise.all([writePublic(files.caFile, ca.certPem), writeSecret(files.caKeyFile, ca.keyPem)]);
  return files;
}

function writePublic(file: string, pem: string): Promise<void> {
  return writeFile(file, pem, { mode: 0o644 });
}

/** chmod as well: `mode` only applies when the file is created, not to one left by an earlier run. */
export async function writeSecret(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}
