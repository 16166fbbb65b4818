// The pure parts of the simulator's real screens: desktops' addresses, what the screen shows and the
// programs' command lines, RDP options; and the fallback to the synthetic picture, said once, when
// the programs are missing.
import { describe, expect, it } from 'vitest';
import { desktopAddress, isDesktopAddress } from '../../local/simulator/screen/address.js';
import {
  hexColour,
  rootArgs,
  SCREEN_SIZE,
  TERMINAL,
  TERMINAL_PIXEL,
  terminalArgs,
  windowManagerArgs,
  xvncArgs,
} from '../../local/simulator/screen/desktop.js';
import { parseRdpCredentials, rdpServerArgs, rdpServiceName } from '../../local/simulator/screen/rdp.js';
import { setUpScreens } from '../../local/simulator/screen/setup.js';
import { missingTools, SCREEN_TOOLS, which } from '../../local/simulator/screen/tools.js';
import { desktopColour } from '../../local/simulator/virt-api/framebuffer.js';

describe('desktop addresses', () => {
  it('are loopback addresses of their own, stable per uid, never 127.0.0.1 or a .0/.255', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const uid = `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;
      const ip = desktopAddress(uid);
      expect(ip).toBe(desktopAddress(uid));
      expect(isDesktopAddress(ip)).toBe(true);
      const last = Number(ip.split('.')[3]);
      expect(last).toBeGreaterThanOrEqual(2);
      expect(last).toBeLessThanOrEqual(254);
      seen.add(ip);
    }
    // Collisions are possible (24 bits) but rare.
    expect(seen.size).toBeGreaterThan(4990);
    expect(desktopAddress('a', 0)).not.toBe(desktopAddress('a', 1));
  });

  it('tell simulated desktops from anything else', () => {
    for (const ip of ['127.0.0.1', '127.3.4.0', '127.3.4.255', '10.244.1.2', '::1', 'localhost', '', undefined]) {
      expect(isDesktopAddress(ip)).toBe(false);
    }
    expect(isDesktopAddress('127.200.13.77')).toBe(true);
  });
});

describe('what a real screen shows', () => {
  it('keeps the desktop’s colour on the root window, and the terminal away from where tests sample it', () => {
    expect(hexColour([1, 171, 255])).toBe('#01abff');
    const label = 'ns/desk-0';
    expect(rootArgs(label)).toEqual(['-solid', hexColour(desktopColour(label))]);
    // (32, 24) is the root window; TERMINAL_PIXEL is inside the terminal.
    expect(TERMINAL.x).toBeGreaterThan(32);
    expect(TERMINAL.y).toBeGreaterThan(24);
    expect(TERMINAL_PIXEL.x).toBeLessThan(SCREEN_SIZE.width);
    expect(TERMINAL_PIXEL.y).toBeLessThan(SCREEN_SIZE.height);
    expect(terminalArgs(label)).toContain(`${TERMINAL.columns}x${TERMINAL.rows}+${TERMINAL.x}+${TERMINAL.y}`);
    // openbox says when it manages the screen (the terminal waits for that).
    expect(windowManagerArgs('/s/wm-ready')).toEqual(['--startup', "touch '/s/wm-ready'"]);
  });

  it('runs Xvnc on a display it picks, RFB on a unix socket only, named after the desktop', () => {
    const args = xvncArgs('ns/desk-0', '/tmp/s/vnc.sock');
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect(option('-displayfd')).toBe('1');
    expect(option('-rfbunixpath')).toBe('/tmp/s/vnc.sock');
    expect(option('-rfbport')).toBe('-1');
    expect(option('-SecurityTypes')).toBe('None');
    expect(option('-geometry')).toBe('1280x800');
    expect(option('-desktop')).toBe('ns/desk-0');
    expect(option('-nolisten')).toBe('tcp');
  });
});

describe('the RDP server', () => {
  it('offers TLS alone, or CredSSP against a SAM file, on the session’s socket', () => {
    expect(rdpServerArgs('/s/rdp.sock', undefined)).toEqual(['/ipc-socket:/s/rdp.sock', '/sec:tls', '-auth']);
    expect(rdpServerArgs('/s/rdp.sock', '/s/rdp.sam')).toEqual([
      '/ipc-socket:/s/rdp.sock',
      '/sec:nla',
      '/sam-file:/s/rdp.sam',
    ]);
    expect(rdpServiceName({ namespace: 'vdi', name: 'desk-3' })).toBe('rdp-desk-3.vdi.svc');
  });

  it('takes USER:PASSWORD, the password with any colons', () => {
    expect(parseRdpCredentials('alice:a:b')).toEqual({ user: 'alice', password: 'a:b' });
    for (const bad of ['alice', ':pw', 'alice:']) expect(() => parseRdpCredentials(bad)).toThrow(/USER:PASSWORD/);
  });
});

describe('choosing real or synthetic screens', () => {
  it('finds programs on PATH and names the package of each missing one', async () => {
    expect(await which('sh')).toMatch(/\/sh$/);
    expect(await which('sh', '/nonexistent')).toBeUndefined();
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await missingTools(SCREEN_TOOLS)).toContain('Xvnc (tigervnc-standalone-server)');
    } finally {
      process.env.PATH = path;
    }
  });

  it('falls back to the synthetic picture without the programs (and says what to install), unless real is asked for', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const lines: string[] = [];
      expect(await setUpScreens({ mode: 'auto', log: (l) => lines.push(l) })).toBeUndefined();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /screens: synthetic .*missing Xvnc \(tigervnc-standalone-server\).*install-desktop-tools\.sh/,
      );
      await expect(setUpScreens({ mode: 'real', log: () => {} })).rejects.toThrow(/install-desktop-tools\.sh/);
    } finally {
      process.env.PATH = path;
    }
    const forced: string[] = [];
    expect(await setUpScreens({ mode: 'synthetic', log: (l) => forced.push(l) })).toBeUndefined();
    expect(forced).toEqual([expect.stringMatching(/screens: synthetic \(--screens synthetic\)/)]);
  });
});
