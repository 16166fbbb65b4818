// The desktop's RDP server and the files it reads. Either FreeRDP 2's shadow server
// (freerdp-shadow-cli) sharing the session's X display, or xrdp with a session of its own
// (xrdp.ts). Both listen on a unix socket of the session's own (the simulator's listener on the
// desktop's address splices connections to it) and offer TLS — IronRDP, the portal's web client,
// refuses RDP's legacy "standard security". The shadow server takes any credentials, or, with
// --rdp-credentials, TLS + CredSSP (NLA) against a SAM file; xrdp signs in the machine's accounts.
// Their certificate is issued from the desktop CA when the simulator has one; else the shadow
// server makes a self-signed one, and xrdp gets one from a CA made for it (trusted by nobody).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueCertificate,
  type PemPair,
} from '../../devcluster/certs.js';
import { writeSecret } from '../../devcluster/pki.js';
import type { DesktopIdentity } from './desktop.js';
import { sesmanIni, startwmScript, xrdpIni } from './xrdp.js';

/** Which RDP server the desktops have (tools.ts's RdpServerChoice, decided). */
export type RdpServer = 'shadow' | 'xrdp';

export interface RdpCredentials {
  user: string;
  password: string;
}

export interface RdpSecurity {
  /** Default: the shadow server. */
  server?: RdpServer;
  /** Issues each desktop's certificate (SAN: its address and rdp-<vm>.<namespace>.svc). */
  ca?: CertificateAuthority;
  /** The shadow server: CredSSP with this one account; without, TLS with any credentials. */
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

/** The desktop's RDP certificate: SAN IP = its address, DNS = its RDP Service's name. */
function issueRdpCertificate(desktop: DesktopIdentity, ca: CertificateAuthority): Promise<PemPair> {
  const name = rdpServiceName(desktop);
  // RSA: FreeRDP 2 loads the server key as RSA and nothing else.
  return issueCertificate(ca, {
    subject: { commonName: name },
    usage: 'server',
    hosts: [desktop.ip, name],
    keyType: 'rsa',
  });
}

/** Puts the desktop's certificate where the shadow server reads it (nothing without a CA: it makes its own). */
export async function writeRdpCertificate(
  xdgConfigHome: string,
  desktop: DesktopIdentity,
  ca: CertificateAuthority | undefined,
): Promise<void> {
  if (!ca) return;
  const leaf = await issueRdpCertificate(desktop, ca);
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

/**
 * xrdp's files in the session's directory (xrdp.ts says what each does); returns its socket's path.
 * startwm.sh is bind-mounted where the account's session reads it: readable and runnable by all.
 */
export async function writeXrdpFiles(
  dir: string,
  desktop: DesktopIdentity,
  ca: CertificateAuthority | undefined,
): Promise<string> {
  const leaf = await issueRdpCertificate(
    desktop,
    ca ?? (await createCertificateAuthority('kubevdi simulator desktop')),
  );
  const paths = {
    dir,
    socket: path.join(dir, 'rdp.sock'),
    certificate: path.join(dir, 'xrdp-cert.pem'),
    key: path.join(dir, 'xrdp-key.pem'),
  };
  await writeFile(paths.certificate, leaf.certPem);
  await writeSecret(paths.key, leaf.keyPem);
  await writeFile(path.join(dir, 'xrdp.ini'), xrdpIni(paths));
  await writeFile(path.join(dir, 'sesman.ini'), sesmanIni(dir, desktop));
  await writeFile(path.join(dir, 'startwm.sh'), startwmScript(desktop), { mode: 0o755 });
  return paths.socket;
}
