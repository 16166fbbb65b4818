// Which programs a real desktop screen needs, and whether this machine has them. Debian packages
// them all; scripts/install-desktop-tools.sh installs them.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Program → the Debian package that has it. */
export const SCREEN_TOOLS = {
  Xvnc: 'tigervnc-standalone-server',
  openbox: 'openbox',
  xterm: 'xterm',
  xsetroot: 'x11-xserver-utils',
  'freerdp-shadow-cli': 'freerdp2-shadow-x11',
} as const;
/** Only for --rdp-credentials (the SAM file of the RDP server's CredSSP). */
export const NLA_TOOL = { 'winpr-hash': 'winpr-utils' } as const;

export const INSTALL_HINT = 'scripts/install-desktop-tools.sh';

/** How the simulator shows desktops: `auto` is real when every tool is there, synthetic otherwise. */
export type ScreenMode = 'auto' | 'real' | 'synthetic';
export const SCREEN_MODES: readonly ScreenMode[] = ['auto', 'real', 'synthetic'];

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

/** The programs of `tools` missing on this machine, each with its package: `Xvnc (tigervnc-standalone-server)`. */
export async function missingTools(tools: Record<string, string>): Promise<string[]> {
  const found = await Promise.all(Object.keys(tools).map(async (program) => [program, await which(program)] as const));
  return found.filter(([, at]) => !at).map(([program]) => `${program} (${tools[program]})`);
}
