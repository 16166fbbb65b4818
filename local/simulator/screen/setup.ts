// Decides, once per simulator, how desktops show their screen, and says so in one log line: real
// sessions (Xvnc, openbox, xterm; RDP through FreeRDP's shadow server) when the programs are
// installed, or the synthetic 64×48 picture virt-api draws itself (rfb.ts) when they are not or
// when asked to (`--screens synthetic`: tests that open many consoles and need no real screen).
import { readFile } from 'node:fs/promises';
import { loadCertificateAuthority } from '../../devcluster/certs.js';
import { DesktopEndpoints } from './endpoints.js';
import { parseRdpCredentials } from './rdp.js';
import { DEFAULT_IDLE_MS, Screens } from './screens.js';
import { INSTALL_HINT, missingTools, NLA_TOOL, SCREEN_TOOLS, type ScreenMode } from './tools.js';

export interface ScreenOptions {
  mode: ScreenMode;
  idleMs?: number;
  /** PEM files of the CA that issues each desktop's RDP certificate (both, or neither). */
  desktopCaCertFile?: string;
  desktopCaKeyFile?: string;
  /** `USER:PASSWORD`: the RDP server requires CredSSP with this account. */
  rdpCredentials?: string;
  log(line: string): void;
}

/** The desktops' endpoints in real mode, undefined in synthetic mode; throws when `real` cannot be had. */
export async function setUpScreens(options: ScreenOptions): Promise<DesktopEndpoints | undefined> {
  const { log } = options;
  if (options.mode === 'synthetic') {
    log(
      'simulator: screens: synthetic (--screens synthetic): VNC shows a 64×48 picture of the desktop’s colour, no RDP',
    );
    return undefined;
  }
  const credentials = options.rdpCredentials ? parseRdpCredentials(options.rdpCredentials) : undefined;
  const missing = await missingTools({ ...SCREEN_TOOLS, ...(credentials ? NLA_TOOL : {}) });
  if (missing.length > 0) {
    const why = `missing ${missing.join(', ')}; install them with ${INSTALL_HINT}`;
    if (options.mode === 'real') throw new Error(`real screens were asked for, but ${why}`);
    log(
      `simulator: screens: synthetic — VNC shows a 64×48 picture of the desktop’s colour, no RDP (${why} for real screens)`,
    );
    return undefined;
  }
  if (!options.desktopCaCertFile !== !options.desktopCaKeyFile) {
    throw new Error('--desktop-ca-cert and --desktop-ca-key go together');
  }
  const ca =
    options.desktopCaCertFile && options.desktopCaKeyFile
      ? await loadCertificateAuthority(
          await readFile(options.desktopCaCertFile, 'utf8'),
          await readFile(options.desktopCaKeyFile, 'utf8'),
        )
      : undefined;
  const screens = new Screens({ idleMs: options.idleMs, rdp: { ca, credentials }, log });
  log(
    `simulator: screens: real — a desktop someone connects to gets an X session (Xvnc, openbox, xterm) with VNC on <its IP>:5900 (virt-api's console) and RDP on <its IP>:3389 (${credentials ? `TLS + CredSSP as ${credentials.user}` : 'TLS, any credentials'}; certificate ${ca ? `from the desktop CA ${options.desktopCaCertFile}` : 'self-signed'}); stopped with the VMI or after ${Math.round((options.idleMs ?? DEFAULT_IDLE_MS) / 1000)} s without a connection`,
  );
  return new DesktopEndpoints(screens, log);
}
