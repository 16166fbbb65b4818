// The pure parts of the simulator's xrdp desktops (local/simulator/screen/xrdp.ts): its files, the
// session's script, the namespaces it runs in; and when the simulator chooses it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readDesktopAccount } from '../../local/simulator/screen/account.js';
import { terminalArgs } from '../../local/simulator/screen/desktop.js';
import { setUpScreens } from '../../local/simulator/screen/setup.js';
import {
  displayOffset,
  sesmanIni,
  sessionColour,
  shellQuote,
  startwmScript,
  xrdpCommand,
  xrdpIni,
} from '../../local/simulator/screen/xrdp.js';

const desktop = { uid: '7d0c7a4e-0000-4000-8000-000000000001', namespace: 'vdi', name: 'desk-0', ip: '127.1.2.3' };
const paths = { dir: '/s', socket: '/s/rdp.sock', certificate: '/s/cert.pem', key: '/s/key.pem' };

/** `key=value` of one section of an ini file. */
function section(text: string, name: string): Record<string, string> {
  const body = text.split(`[${name}]\n`)[1]?.split('\n[')[0] ?? '';
  return Object.fromEntries(
    body
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('a desktop’s xrdp', () => {
  it('listens on its unix socket, TLS only, with its certificate, and logs on without its own screen', () => {
    const globals = section(xrdpIni(paths), 'Globals');
    expect(globals).toMatchObject({
      port: 'unix://./s/rdp.sock',
      security_layer: 'tls',
      certificate: '/s/cert.pem',
      key_file: '/s/key.pem',
      autorun: 'Xorg',
    });
    expect(section(xrdpIni(paths), 'Channels')).toMatchObject({ cliprdr: 'true', drdynvc: 'true' });
    // Only at 127.0.0.1 does xrdp reach a session's Xorg by its unix socket: each instance has a loopback of its own.
    expect(section(xrdpIni(paths), 'Xorg')).toMatchObject({ ip: '127.0.0.1', port: '-1' });
  });

  it('has a session manager of its own: its loopback, its displays, the desktop’s session script, the desktop named', () => {
    const ini = sesmanIni('/s', desktop);
    expect(section(ini, 'Globals')).toMatchObject({
      ListenAddress: '127.0.0.1',
      EnableUserWindowManager: 'false',
      DefaultWindowManager: 'startwm.sh',
    });
    expect(section(ini, 'Sessions')).toMatchObject({
      X11DisplayOffset: String(displayOffset(desktop.uid)),
      KillDisconnected: 'false',
    });
    expect(section(ini, 'SessionVariables')).toEqual({ KUBEVDI_DESKTOP: 'vdi/desk-0' });
    expect(section(ini, 'Chansrv')).toMatchObject({ FuseMountName: 'thinclient_drives' });
  });

  it('starts each desktop’s displays from a place of its own, above the ones Xvnc takes', () => {
    const offsets = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const offset = displayOffset(`uid-${i}`);
      expect(offset).toBe(displayOffset(`uid-${i}`));
      expect(offset).toBeGreaterThanOrEqual(100);
      expect(offset).toBeLessThan(5100);
      offsets.add(offset);
    }
    expect(offsets.size).toBeGreaterThan(190);
  });

  it('runs in mount, PID and network namespaces of its own, its files bind-mounted where xrdp reads them', () => {
    const { command, args } = xrdpCommand('/s');
    expect(command).toBe('unshare');
    expect(args).toEqual(expect.arrayContaining(['--mount', '--pid', '--net', '--fork', '--mount-proc']));
    const script = args[args.indexOf('-c') + 1] as string;
    expect(script).toContain('mount --bind "$dir/sesman.ini" /etc/xrdp/sesman.ini');
    expect(script).toContain('mount --bind "$dir/startwm.sh" /etc/xrdp/startwm.sh');
    expect(script).toContain('ip link set lo up');
    expect(args.at(-1)).toBe('/s');
  });
});

describe('the xrdp session’s script', () => {
  it('quotes any word for sh', async () => {
    const words = ['plain', "it's", '$HOME `x` "q"', '\\n%s', ''];
    const { stdout } = await promisify(execFile)('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`]);
    expect(stdout).toBe(`${words.join('\n')}\n`);
  });

  it('shows the desktop: its colour, openbox, then the console’s terminal (as sh reads it)', async () => {
    const script = startwmScript(desktop);
    expect(script).toContain(`xsetroot '-solid' '${sessionColour(desktop)}'`);
    expect(script).toContain('exec openbox --startup "$0 terminal"');
    // The terminal's arguments survive sh's quoting exactly.
    const dir = await mkdtemp(path.join(tmpdir(), 'startwm-'));
    try {
      const file = path.join(dir, 'startwm.sh');
      const fake = path.join(dir, 'xterm');
      await writeFile(fake, `#!/bin/sh\nprintf '%s\\n' "$@"\n`, { mode: 0o755 });
      await writeFile(file, script, { mode: 0o755 });
      const { stdout } = await promisify(execFile)('sh', [file, 'terminal'], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      });
      expect(stdout).toBe(`${terminalArgs('vdi/desk-0').join('\n')}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('choosing the RDP server', () => {
  it('is the shadow server unless xrdp is asked for; xrdp refuses the shadow server’s account', async () => {
    const lines: string[] = [];
    const endpoints = await setUpScreens({ mode: 'real', log: (l) => lines.push(l) }).catch(() => undefined);
    if (endpoints) {
      expect(lines.join('\n')).toContain('FreeRDP’s shadow server');
      await endpoints.closeAll();
    }
    await expect(
      setUpScreens({ mode: 'real', rdpServer: 'xrdp', rdpCredentials: 'alice:pw', log: () => {} }),
    ).rejects.toThrow(/xrdp signs in the machine’s own accounts/);
  });

  it('refuses xrdp where it cannot run, and says what is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(setUpScreens({ mode: 'real', rdpServer: 'xrdp', log: () => {} })).rejects.toThrow(
        /xrdp needs .*xrdp \(xrdp\).*install-desktop-tools\.sh/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('reads the desktop account as the install script writes it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'account-'));
    try {
      await writeFile(path.join(dir, 'account'), 'kubevdi-desktop:Ab3:d\n');
      expect(await readDesktopAccount(path.join(dir, 'account'))).toEqual({
        user: 'kubevdi-desktop',
        password: 'Ab3:d',
      });
      expect(await readDesktopAccount(path.join(dir, 'missing'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
