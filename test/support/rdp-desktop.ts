// A real RDP desktop for the gateway's tests until the simulator serves one per desktop: TigerVNC's
// Xvnc as the X display (its root window one colour), FreeRDP's shadow server sharing it over RDP
// with TLS on a free loopback port. Both are killed by stop() and when the test process exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { eventually } from './eventually.js';

export interface RdpDesktop {
  port: number;
  stop(): Promise<void>;
}

export async function startRdpDesktop(options: { colour: [number, number, number] }): Promise<RdpDesktop> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rdp-desktop-'));
  const children: ChildProcess[] = [];
  const kill = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const displayFile = path.join(dir, 'display');
  const xvnc = spawn(
    'sh',
    [
      '-c',
      `exec Xvnc -displayfd 3 -geometry 1024x768 -depth 24 -SecurityTypes None -rfbport -1 -nolisten tcp 3>"${displayFile}"`,
    ],
    { stdio: 'ignore' },
  );
  children.push(xvnc);
  const display = await eventually(async () => {
    const text = (await readFile(displayFile, 'utf8')).trim();
    expect(text).toMatch(/^\d+$/);
    return `:${text}`;
  }, 20_000);
  const hex = options.colour.map((c) => c.toString(16).padStart(2, '0')).join('');
  const env = { ...process.env, DISPLAY: display, XDG_CONFIG_HOME: dir };
  await new Promise<void>((resolve, reject) =>
    spawn('xsetroot', ['-solid', `#${hex}`], { env, stdio: 'ignore' }).once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`xsetroot exited ${code}`)),
    ),
  );
  const port = await freePort();
  const shadow = spawn('freerdp-shadow-cli', ['/bind-address:127.0.0.1', `/port:${port}`, '/sec:tls', '-auth'], {
    env,
    stdio: 'ignore',
  });
  children.push(shadow);
  await eventually(
    () =>
      new Promise<void>((resolve, reject) => {
        const probe = createConnection(port, '127.0.0.1');
        probe.once('connect', () => {
          probe.destroy();
          resolve();
        });
        probe.once('error', reject);
      }),
    20_000,
  );
  return {
    port,
    async stop() {
      kill();
      process.off('exit', kill);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
