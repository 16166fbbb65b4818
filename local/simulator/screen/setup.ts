// Decides, once per simulator, how desktops show their screen, and says so in one log line: real
// sessions (Xvnc, openbox, xterm; RDP through FreeRDP's shadow server, or xrdp) when the programs
// are installed, or the synthetic 64×48 picture virt-api draws itself (rfb.ts) when they are not or
// when asked to (`--screens synthetic`: tests that open many consoles and need no real screen).
import { readFile } from 'node:fs/promises';
import { loadCertificateAuthority } from '../../devcluster/certs.js';
import { DesktopEndpoints } from './endpoints.js';
import { parseRdpCredentials, type RdpServer } from './rdp.js';
import { DEFAULT_IDLE_MS, Screens } from './screens.js';
import {
  DISPLAY_TOOLS,
  INSTALL_HINT,
  missingTools,
  NLA_TOOL,
  type RdpServerChoice,
  type ScreenMode,
  SHADOW_TOOL,
  XORGXRDP_DRIVER,
  XRDP_TOOLS,
} from './tools.js';

export interface ScreenOptions {
  mode: ScreenMode;
  idleMs?: number;
  /** PEM files of the CA that issues each desktop's RDP certificate (both, or neither). */
  desktopCaCertFile?: string;
  desktopCaKeyFile?: string;
  /** `USER:PASSWORD`: the RDP server requires CredSSP with this account. */
  rdpCredentials?: string;
  /** Default `shadow`. */
  rdpServer?: RdpServerChoice;
  log(line: string): void;
}

/**
 * The RDP server desktops get: xrdp when asked and it can run (it needs root: namespaces, and
 * sesman signs accounts in with PAM), or with `auto` where it can; the shadow server otherwise.
 * Throws when xrdp was asked for and cannot be had.
 */
async function chooseRdpServer(
  choice: RdpServerChoice,
  credentials: boolean,
): Promise<{ server: RdpServer; why: string }> {
  if (choice === 'shadow') return { server: 'shadow', why: '' };
  if (credentials) {
    if (choice === 'xrdp')
      throw new Error(
        '--rdp-credentials sets the shadow server’s CredSSP account; xrdp signs in the machine’s own accounts',
      );
    return { server: 'shadow', why: ' (auto: --rdp-credentials is for the shadow server)' };
  }
  const missing = await missingTools({ ...XRDP_TOOLS, ...XORGXRDP_DRIVER });
  const root = process.getuid?.() === 0;
  const cannot = [
    ...(root ? [] : ['root (sesman signs accounts in; each xrdp has namespaces of its own)']),
    ...missing,
  ];
  if (cannot.length === 0) return { server: 'xrdp', why: '' };
  const why = `xrdp needs ${cannot.join(', ')}${missing.length > 0 ? `; install with ${INSTALL_HINT}` : ''}`;
  if (choice === 'xrdp') throw new Error(`--rdp-server xrdp was asked for, but ${why}`);
  return { server: 'shadow', why: ` (auto: ${why})` };
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
  const rdp = await chooseRdpServer(options.rdpServer ?? 'shadow', credentials !== undefined);
  const missing = await missingTools({
    ...DISPLAY_TOOLS,
    ...(rdp.server === 'shadow' ? SHADOW_TOOL : {}),
    ...(credentials ? NLA_TOOL : {}),
  });
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
  const screens = new Screens({ idleMs: options.idleMs, rdp: { server: rdp.server, ca, credentials }, log });
  const rdpServer =
    rdp.server === 'xrdp'
      ? 'xrdp, a session of its own per desktop, TLS, the machine’s accounts sign in'
      : `FreeRDP’s shadow server, ${credentials ? `TLS + CredSSP as ${credentials.user}` : 'TLS, any credentials'}${rdp.why}`;
  log(
    `simulator: screens: real — a desktop someone connects to gets an X session (Xvnc, openbox, xterm) with VNC on <its IP>:5900 (virt-api's console) and RDP on <its IP>:3389 (${rdpServer}; certificate ${ca ? `from the desktop CA ${options.desktopCaCertFile}` : 'self-signed'}); stopped with the VMI or after ${Math.round((options.idleMs ?? DEFAULT_IDLE_MS) / 1000)} s without a connection`,
  );
  return new DesktopEndpoints(screens, log);
}
