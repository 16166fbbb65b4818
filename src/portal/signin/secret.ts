// The session secret: the same on every replica (that is what makes sessions work without sticky
// sessions), from a mounted Secret file or the environment, never a command-line argument
// (visible in `ps`).
import { readFile } from 'node:fs/promises';
import { MIN_SECRET_BYTES } from './seal.js';

export const SESSION_SECRET_ENV = 'KUBEVDI_PORTAL_SESSION_SECRET';

export async function loadSessionSecret(file: string | undefined, env = process.env): Promise<string> {
  const secret = file ? (await readFile(file, 'utf8')).trim() : env[SESSION_SECRET_ENV];
  if (!secret)
    throw new Error(
      `the portal needs a session secret: --session-secret-file FILE or ${SESSION_SECRET_ENV} (at least ${MIN_SECRET_BYTES} bytes, the same on every replica)`,
    );
  return secret;
}
