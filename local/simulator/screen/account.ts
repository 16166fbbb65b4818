// The machine account that xrdp desktops (`--rdp-server xrdp`) sign people in with in kubevdi dev
// and the tests. xrdp signs in any account of the machine (sesman asks PAM); this one exists so that
// nobody's own account, and no password anybody knows, is needed: scripts/install-desktop-tools.sh
// makes it (as root) with a random password that it keeps, for root alone, in DESKTOP_ACCOUNT_FILE.
import { readFile } from 'node:fs/promises';
import { parseRdpCredentials, type RdpCredentials } from './rdp.js';

export const DESKTOP_ACCOUNT = 'kubevdi-desktop';
/** `USER:PASSWORD`, mode 0600, owned by root. */
export const DESKTOP_ACCOUNT_FILE = '/etc/kubevdi/desktop-account';

/** The account and its password, when this machine has them (and we may read them). */
export async function readDesktopAccount(file = DESKTOP_ACCOUNT_FILE): Promise<RdpCredentials | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text?.trim() ? parseRdpCredentials(text.trim()) : undefined;
}
