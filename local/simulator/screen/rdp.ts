// The desktop's RDP server: FreeRDP 2's shadow server (freerdp-shadow-cli) sharing the session's X
// display. It listens on a unix socket of the session's own (the simulator's listener on the
// desktop's address splices connections to it), offers TLS only — IronRDP, the portal's web
// client, refuses RDP's legacy "standard security" — or, with credentials, TLS + CredSSP (NLA)
// against a SAM file. Its certificate is read from $XDG_CONFIG_HOME/freerdp/shadow/shadow.{crt,key}:
// issued from the desktop CA when the simulator has one, else the server makes a self-signed one.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type CertificateAuthority, issueCertificate } from '../../devcluster/certs.js';
import { writeSecret } from '../../devcluster/pki.js';
import type { DesktopIdentity } from './desktop.js';

export interface RdpCredentials {
  user: string;
  password: string;
}

export interface RdpSecurity {
  /** Issues each desktop's certificate (SAN: its address and rdp-<vm>.<namespace>.svc). */
  ca?: CertificateAuthority;
  /** CredSSP with this one account; without, TLS with any credentials. */
  credentials?: RdpCredentials;
}

/** `USER:PASSWORD`, as --rdp-credentials takes it (the password may hold colons). */
export function parseRdpCredentials(value: string): RdpCredentials {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new Error('--rdp-credentials must be USER:PASSWORD');
  return { user: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The DNS name the desktop's RDP certificate carries besides its address: its RDP Service's. */
export function rdpServiceName(desktop: Pick<DesktopIdentity, 'namespace' | 'name'>): string {
  return `rdp-${desktop.name}.${desktop.namespace}.svc`;
}

export function rdpServerArgs(socket: string, samFile: string | undefined): string[] {
  // Without /sec:nla the server would offer CredSSP too and check it against the system's users.
  const security = samFile ? ['/sec:nla', `/sam-file:${samFile}`] : ['/sec:tls', '-auth'];
  return [`/ipc-socket:${socket}`, ...security];
}

/** Puts the desktop's certificate where the shadow server reads it (nothing without a CA: it makes its own). */
export async function writeRdpCertificate(
  xdgConfigHome: string,
  desktop: DesktopIdentity,
  ca: CertificateAuthority | undefined,
): Promise<void> {
  if (!ca) return;
  const name = rdpServiceName(desktop);
  // RSA: FreeRDP 2 loads the server key as RSA and nothing else.
  const leaf = await issueCertificate(ca, {
    subject: { commonName: name },
    usage: 'server',
    hosts: [desktop.ip, name],
    keyType: 'rsa',
  });
  const dir = path.join(xdgConfigHome, 'freerdp', 'shadow');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeSecret(path.join(dir, 'shadow.crt'), leaf.certPem);
  await writeSecret(path.join(dir, 'shadow.key'), leaf.keyPem);
}

/** The SAM file CredSSP checks against: one line from winpr-hash (`user:::<NT hash>:::`). */
export async function writeSamFile(
  file: string,
  credentials: RdpCredentials,
  run: (command: string, args: string[]) => Promise<string[]>,
): Promise<void> {
  const lines = await run('winpr-hash', ['-u', credentials.user, '-p', credentials.password, '-f', 'sam']);
  const line = lines.find((l) => l.startsWith(`${credentials.user}:`));
  if (!line) throw new Error(`winpr-hash printed no SAM line for ${credentials.user}`);
  await writeSecret(file, `${line}\n`);
}
