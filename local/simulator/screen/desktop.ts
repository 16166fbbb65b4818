// What a simulated desktop's screen shows, and the command lines that draw it. Pure: session.ts
// runs them. The root window keeps the colour the synthetic picture has (desktopColour of
// `namespace/name`), so a test can tell desktops apart either way; the terminal with a clock sits
// away from the top-left corner, where tests sample that colour.
import { desktopColour, type Rgb } from '../virt-api/framebuffer.js';

/** A desktop as the simulator knows it while it runs. */
export interface DesktopIdentity {
  uid: string;
  namespace: string;
  name: string;
  /** Its loopback address (status.interfaces[0].ipAddress). */
  ip: string;
}

/** The screen's size: a laptop's. */
export const SCREEN_SIZE = { width: 1280, height: 800 } as const;

/**
 * Where the terminal is (its window's top-left corner, in pixels, as given to `-geometry`), and its
 * size in characters. Anything at TERMINAL_PIXEL is the terminal, not the root window.
 */
export const TERMINAL = { x: 320, y: 200, columns: 72, rows: 16 } as const;
export const TERMINAL_PIXEL = { x: TERMINAL.x + 60, y: TERMINAL.y + 60 } as const;

/** `#rrggbb`, as X's colour names take it. */
export function hexColour([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** The desktop's name (`namespace/vmi`): its ServerInit name and the source of its colour. */
export function desktopLabel(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * TigerVNC's X server: it picks a free display itself and says which on stdout (-displayfd 1), serves
 * RFB only on a unix socket of the session's own (-rfbport -1: no TCP port to collide on), with no
 * VNC authentication (virt-api and the desktop's address are the gate, as for KubeVirt's VNC).
 */
export function xvncArgs(label: string, vncSocket: string): string[] {
  return [
    '-displayfd',
    '1',
    '-rfbunixpath',
    vncSocket,
    '-rfbport',
    '-1',
    '-SecurityTypes',
    'None',
    '-geometry',
    `${SCREEN_SIZE.width}x${SCREEN_SIZE.height}`,
    '-depth',
    '24',
    '-desktop',
    label,
    '-nolisten',
    'tcp',
  ];
}

export function rootArgs(label: string): string[] {
  return ['-solid', hexColour(desktopColour(label))];
}

/**
 * openbox, touching `readyFile` once it manages the screen. The terminal must start after that:
 * an X client that maps its window while the window manager is still starting can be left unmapped
 * for good (seen under load: xterm's MapRequest lost, or Xt waiting 5 s at a time for the manager).
 */
export function windowManagerArgs(readyFile: string): string[] {
  return ['--startup', `touch '${readyFile}'`];
}

/** A clock that ticks every second, for something on screen that changes; typed text is echoed. */
const CLOCK = `printf 'kubevdi simulator: desktop %s\\n\\n' "$KUBEVDI_DESKTOP"; while :; do printf '\\r%s ' "$(date '+%a %d %b %Y %H:%M:%S')"; sleep 1; done`;

export function terminalArgs(label: string): string[] {
  return [
    '-geometry',
    `${TERMINAL.columns}x${TERMINAL.rows}+${TERMINAL.x}+${TERMINAL.y}`,
    '-title',
    label,
    '-fa',
    'DejaVu Sans Mono',
    '-fs',
    '12',
    '-bg',
    '#1d1f21',
    '-fg',
    '#e8e8e8',
    '-e',
    'sh',
    '-c',
    CLOCK,
  ];
}
