// Which programs a real desktop screen needs, and whether this machine has them. Debian packages
// them all; scripts/install-desktop-tools.sh installs them.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Program → the Debian package that has it: the display every real screen has. */
export const DISPLAY_TOOLS = {
  Xvnc: 'tigervnc-standalone-server',
  openbox: 'openbox',
  xterm: 'xterm',
  xsetroot: 'x11-xserver-utils',
} as const;
/** The RDP server by default (`--rdp-server shadow`). */
export const SHADOW_TOOL = { 'freerdp-shadow-cli': 'freerdp2-shadow-x11' } as const;
/** A real screen with the default RDP server. */
export const SCREEN_TOOLS = { ...DISPLAY_TOOLS, ...SHADOW_TOOL } as const;
/** Only for --rdp-credentials (the SAM file of the RDP server's CredSSP). */
export const NLA_TOOL = { 'winpr-hash': 'winpr-utils' } as const;
/**
 * Only for `--rdp-server xrdp` (xrdp.ts): xrdp and its session manager, the X server xorgxrdp
 * drives (`Xorg`; the driver itself is a file, XORGXRDP_DRIVER), fusermount (files copied through
 * the clipboard), unshare and ip (each xrdp's namespaces and loopback).
 */
export const XRDP_TOOLS = {
  xrdp: 'xrdp',
  'xrdp-sesman': 'xrdp',
  Xorg: 'xserver-xorg-core',
  fusermount: 'fuse',
  unshare: 'util-linux',
  ip: 'iproute2',
} as const;
export const XORGXRDP_DRIVER = { '/usr/lib/xorg/modules/drivers/xrdpdev_drv.so': 'xorgxrdp' } as const;

export const INSTALL_HINT = 'scripts/install-desktop-tools.sh';

/** How the simulator shows desktops: `auto` is real when every tool is there, synthetic otherwise. */
export type ScreenMode = 'auto' | 'real' | 'synthetic';
export const SCREEN_MODES: readonly ScreenMode[] = ['auto', 'real', 'synthetic'];

/**
 * Which RDP server a real screen has: FreeRDP's shadow server sharing the console's display (no
 * sign-in, no clipboard), or xrdp with a session of its own (the machine's accounts sign in; the
 * clipboard and files work). `auto`: xrdp where it can run (root, its programs installed).
 */
export type RdpServerChoice = 'shadow' | 'xrdp' | 'auto';
export const RDP_SERVER_CHOICES: readonly RdpServerChoice[] = ['shadow', 'xrdp', 'auto'];

/** The full path of `program` on PATH, if it is there and executable. */
export async function which(program: string, searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The programs of `tools` missing on this machine, each with its package: `Xvnc (tigervnc-standalone-server)`.
 * An absolute path is a file that must be there (a driver, not a program on PATH).
 */
export async function missingTools(tools: Record<string, string>): Promise<string[]> {
  const present = (program: string) =>
    path.isAbsolute(program)
      ? access(program).then(
          () => program,
          () => undefined,
        )
      : which(program);
  const found = await Promise.all(
    Object.keys(tools).map(async (program) => [program, await present(program)] as const),
  );
  return found.filter(([, at]) => !at).map(([program]) => `${program} (${tools[program]})`);
}
