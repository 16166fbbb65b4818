// Kubeconfig files for the local control plane. Certificates and keys are embedded (`*-data`),
// so a kubeconfig stays usable when copied elsewhere and kubectl, client-go and client-node's
// KubeConfig.loadFromFile all read it without resolving relative paths.
import { stringify } from 'yaml';
import type { PemPair } from './certs.js';
import { writeSecret } from './pki.js';

export const CLUSTER_NAME = 'kubevdi-dev';

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  /** The name of the kubeconfig's user entry; the identity itself is the certificate's subject. */
  user: string;
  credentials: PemPair;
}

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const context = `${spec.user}@${CLUSTER_NAME}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caPem) } }],
    users: [
      {
        name: spec.user,
        user: {
          'client-certificate-data': b64(spec.credentials.certPem),
          'client-key-data': b64(spec.credentials.keyPem),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: CLUSTER_NAME, user: spec.user } }],
    'current-context': context,
    preferences: {},
  });
}

/** Written 0600: it holds a private key. */
export async function writeKubeconfig(file: string, spec: KubeconfigSpec): Promise<void> {
  await writeSecret(file, renderKubeconfig(spec));
}
