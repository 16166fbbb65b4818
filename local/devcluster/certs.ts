// Certificates for the local control plane: ECDSA P-256 keys from Node's WebCrypto, X.509 via
// @peculiar/x509. Everything the Go servers read is PEM (certificates, PKCS#8 private keys,
// SPKI public keys), which crypto/tls and client-go load without conversion.

// @peculiar/x509 uses tsyringe, which throws at import time without a Reflect metadata
// polyfill; it must be evaluated before the first import of @peculiar/x509.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  type JsonName,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

// The WebCrypto of the running Node, passed explicitly so @peculiar/x509 never depends on
// which global happens to be installed (vitest workers, tsx, plain node).
const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const RSA_KEY_ALGORITHM: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate with its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends PemPair {
  cert: X509Certificate;
  keys: CryptoKeyPair;
}

/** Who a certificate names. Kubernetes reads CN as the user name and every O as a group. */
export interface Subject {
  commonName: string;
  organizations?: string[];
}

export interface LeafOptions {
  subject: Subject;
  /** `server` for TLS listeners, `client` for users; `server+client` for peers that are both. */
  usage: 'server' | 'client' | 'server+client';
  /** Subject alternative names; IP addresses and DNS names may be mixed. */
  hosts?: string[];
  validDays?: number;
  /**
   * The leaf's own key: ECDSA P-256 (default), or RSA 2048 for servers that take nothing else
   * (FreeRDP 2's RDP server loads its key as RSA). The CA signs either with its own key.
   */
  keyType?: 'ecdsa' | 'rsa';
}

async function generateKeys(type: LeafOptions['keyType'] = 'ecdsa'): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(type === 'rsa' ? RSA_KEY_ALGORITHM : KEY_ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function publicKeyPem(key: CryptoKey): Promise<string> {
  return PemConverter.encode(await crypto.subtle.exportKey('spki', key), 'PUBLIC KEY');
}

/** Separate RDNs per attribute, so a group containing a comma can't split into two groups. */
function distinguishedName(subject: Subject): JsonName {
  return [{ CN: [subject.commonName] }, ...(subject.organizations ?? []).map((o) => ({ O: [o] }))];
}

/** Backdated by an hour: a freshly issued certificate must not look "not yet valid" to a skewed clock. */
function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60 * 60 * 1000), notAfter: new Date(now + days * DAY_MS) };
}

export async function createCertificateAuthority(commonName: string, validDays = 365): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      name: distinguishedName({ commonName }),
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      ...validity(validDays),
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(
          KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature,
          true,
        ),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert, keys, certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * A CA written by createCertificateAuthority (its certificate and PKCS#8 ECDSA P-256 key, PEM),
 * read back to issue more certificates, e.g. in another process.
 */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const cert = new X509Certificate(certPem);
  const privateKey = await crypto.subtle.importKey('pkcs8', PemConverter.decodeFirst(keyPem), KEY_ALGORITHM, true, [
    'sign',
  ]);
  const publicKey = await cert.publicKey.export(KEY_ALGORITHM, ['verify'], crypto);
  return { cert, keys: { privateKey, publicKey }, certPem, keyPem };
}

export async function issueCertificate(ca: CertificateAuthority, options: LeafOptions): Promise<PemPair> {
  const keys = await generateKeys(options.keyType);
  const usages: string[] = [];
  if (options.usage.includes('server')) usages.push(ExtendedKeyUsage.serverAuth);
  if (options.usage.includes('client')) usages.push(ExtendedKeyUsage.clientAuth);
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
    new ExtendedKeyUsageExtension(usages),
    await AuthorityKeyIdentifierExtension.create(ca.keys.publicKey, false, crypto),
  ];
  if (options.hosts?.length) {
    extensions.push(
      new SubjectAlternativeNameExtension(
        options.hosts.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host })),
      ),
    );
  }
  const cert = await X509CertificateGenerator.create(
    {
      subject: distinguishedName(options.subject),
      issuer: ca.cert.subject,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      ...validity(options.validDays ?? 365),
      extensions,
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A bare key pair (no certificate), e.g. for signing service-account tokens. */
export async function createSigningKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const keys = await generateKeys();
  return { privateKeyPem: await privateKeyPem(keys.privateKey), publicKeyPem: await publicKeyPem(keys.publicKey) };
}
