// Sealing: AES-256-GCM with a key derived by HKDF from the session secret, so a cookie is both
// secret (the browser holds a token it cannot read) and authenticated (a changed byte is refused).
// Any replica with the same secret opens what another sealed: no sticky sessions, no store.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Shorter secrets are refused: the key is only as strong as what it is derived from. */
export const MIN_SECRET_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bumped when the sealed format changes, so old cookies are refused, not misread. */
const VERSION = 'v1';

export interface SealKey {
  readonly key: Buffer;
}

export function sealKey(secret: string | Buffer): SealKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES)
    throw new Error(`the session secret must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`);
  // A fixed salt is fine: the secret is already random; `info` keeps this key apart from any
  // other key a later step derives from the same secret.
  const key = Buffer.from(hkdfSync('sha256', bytes, 'kubevdi-portal', 'kubevdi portal session cookie v1', 32));
  return { key };
}

/** `purpose` is bound in as associated data: a value sealed for one use cannot be replayed as another. */
export function seal(k: SealKey, purpose: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(`${VERSION}:${purpose}`));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The plaintext, or undefined for anything not sealed by this key for this purpose. */
export function unseal(k: SealKey, purpose: string, sealed: string): string | undefined {
  const [version, data] = sealed.split('.', 2);
  if (version !== VERSION || !data) return undefined;
  const bytes = Buffer.from(data, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`${VERSION}:${purpose}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}
