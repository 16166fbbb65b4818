// `kubevdi dev` as a newcomer runs it: the example pool comes up with its desktops, the printed
// kubeconfig works, a demo person signs in to the portal, and Ctrl-C stops every server it started.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { OIDC_CA_FILE } from '../local/dev.js';
import { RDP_PORT } from '../local/simulator/screen/address.js';
import { SCREEN_SIZE } from '../local/simulator/screen/desktop.js';
import { desktopColour } from '../local/simulator/virt-api/framebuffer.js';
import { REPO_ROOT } from '../src/paths.js';
import { ClaimList, CSRF_HEADER } from '../src/portal/api-types.js';
import { consoleSocketPath } from '../src/portal/console/protocol.js';
import { decodeAnswer, encodeRequest } from '../src/portal/console/rdcleanpath.js';
import { RdpTicket, rdpSocketPath, rdpTicketPath } from '../src/portal/console/rdp-protocol.js';
import { eventually } from './support/eventually.js';
import { HttpBrowser } from './support/http-browser.js';
import { alive, descendants } from './support/processes.js';
import { connectionRequest, PROTOCOL, rdpHandshake } from './support/rdp.js';
import { rfbOver } from './support/vnc.js';

const run = promisify(execFile);

describe('kubevdi dev', () => {
  let dev: ChildProcess | undefined;
  let workDir = '';
  afterAll(async () => {
    dev?.kill('SIGKILL');
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs the control plane, simulator and operator with the example pool, and stops on Ctrl-C', async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'kubevdi-dev-test-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'dev', '--work-dir', workDir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev = child;
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
    });
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
    );
    const kubeconfig = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d;
        const match = /export KUBECONFIG=(\S+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then(() => reject(new Error(`kubevdi dev exited early:\n${stdout}\n${stderr}`)));
    });
    expect(stdout).toMatch(
      /ready in [\d.]+ s — Kubernetes https:\/\/127\.0\.0\.1:\d+, kubevdi\.io and KubeVirt v1\.9\.0 CRDs, operator, simulator/,
    );
    expect(stdout).toContain('pool vdi-demo/callcenter: 20 of 20 desktops, 5 of 5 prestarted ready');
    expect(kubeconfig.startsWith(workDir)).toBe(true);

    // The portal runs, and a demo person signs in on the local OpenID provider and is entitled
    // to the example pool.
    const portalUrl = /The portal: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string;
    expect(portalUrl).toBeDefined();
    expect(stdout).toMatch(/ada\s+password ada\s+a call-centre agent/);
    const browser = new HttpBrowser(await readFile(path.join(workDir, OIDC_CA_FILE), 'utf8'));
    const signedIn = await browser.follow(`${portalUrl}/auth/login?returnTo=%2F`, {
      credentials: { username: 'ada', password: 'ada' },
    });
    expect(signedIn.loginFormShown).toBe(true);
    const api = async (apiPath: string) =>
      JSON.parse(
        (await browser.request(`${portalUrl}${apiPath}`, { headers: { origin: portalUrl, [CSRF_HEADER]: '1' } })).body,
      );
    expect((await api('/api/me')).username).toBe('oidc:ada@example.com');
    expect(JSON.stringify(await api('/api/pools'))).toContain('"name":"callcenter"');
    // She gets a desktop (one is prestarted) and its console shows the simulator's screen.
    const headers = { origin: portalUrl, [CSRF_HEADER]: '1', 'content-type': 'application/json' };
    const taken = await browser.request(`${portalUrl}/api/claims`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ namespace: 'vdi-demo', pool: 'callcenter' }),
    });
    expect(taken.status).toBe(201);
    const desktop = await eventually(async () => {
      const [claim] = ClaimList.parse(await api('/api/claims')).claims;
      expect(claim?.desktop?.ready).toBe(true);
      return claim?.desktop?.name as string;
    }, 30_000);
    const kubectl = inject('cluster').kubectl;
    const screen = await eventually(() =>
      rfbOver(
        new WebSocket(`${portalUrl.replace(/^http/, 'ws')}${consoleSocketPath('vdi-demo', desktop)}`, {
          headers: { origin: portalUrl, cookie: browser.cookieHeader(portalUrl) },
        }),
      ),
    );
    // A real one (the machine has the programs: .ci/run installs them), the desktop's colour on its root window.
    expect(stdout).toContain('desktops show a real screen');
    expect(screen).toMatchObject({ name: `vdi-demo/${desktop}`, ...SCREEN_SIZE });
    expect(screen.rgb(32, 24)).toEqual([...desktopColour(`vdi-demo/${desktop}`)]);
    screen.close();
    // Its RDP server answers at the desktop's IP, with a certificate from the desktop CA dev made.
    const desktopCaFile = /certificates issued by (\S+)\)/.exec(stdout)?.[1] as string;
    expect(desktopCaFile).toBe(path.join(workDir, 'pki', 'desktop-ca.crt'));
    const ip = (
      await run(kubectl, [
        'get',
        'vmi',
        desktop,
        '-n',
        'vdi-demo',
        '-o',
        'jsonpath={.status.interfaces[0].ipAddress}',
        '--kubeconfig',
        kubeconfig,
      ])
    ).stdout;
    const rdp = await rdpHandshake(ip, RDP_PORT, { ca: await readFile(desktopCaFile, 'utf8'), timeoutMs: 30_000 });
    expect(rdp).toMatchObject({ selectedProtocol: PROTOCOL.ssl, authorized: true });
    // ... and the portal's RDP gateway reaches it, as ada: a ticket, then RDCleanPath to a verified desktop.
    const ticket = await browser.request(`${portalUrl}${rdpTicketPath('vdi-demo', desktop)}`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    expect(ticket.status, ticket.body).toBe(200);
    const gateway = new WebSocket(`${portalUrl.replace(/^http/, 'ws')}${rdpSocketPath('vdi-demo', desktop)}`, {
      headers: { origin: portalUrl, cookie: browser.cookieHeader(portalUrl) },
    });
    await new Promise((resolve, reject) => gateway.once('open', resolve).once('error', reject));
    gateway.send(
      encodeRequest({
        destination: `${desktop}:3389`,
        proxyAuth: RdpTicket.parse(JSON.parse(ticket.body)).ticket,
        x224ConnectionRequest: connectionRequest(PROTOCOL.ssl),
      }),
    );
    const answer = decodeAnswer(
      await new Promise<Buffer>((resolve) => gateway.once('message', (d) => resolve(d as Buffer))),
    );
    expect(answer).toMatchObject({ ok: true, response: { serverAddress: `${ip}:3389` } });
    gateway.close();
    const session = descendants(child.pid as number).filter((p) => ['Xvnc', 'freerdp-shadow-'].includes(p.comm));
    expect(session.map((p) => p.comm).sort()).toEqual(['Xvnc', 'freerdp-shadow-']);

    // What the printed hints say to run works: the example pool's desktops are there, ada's and
    // five more kept running for the next people.
    await eventually(async () => {
      const vms = await run(kubectl, ['get', 'vm', '-n', 'vdi-demo', '--no-headers', '--kubeconfig', kubeconfig]);
      const lines = vms.stdout.trim().split('\n');
      expect(lines).toHaveLength(20);
      expect(lines.filter((l) => /\sRunning\s+True$/.test(l))).toHaveLength(6);
    }, 30_000);
    // The simulator plays virt-api too: KubeVirt's subresources are served through the API server.
    const apiService = await run(kubectl, [
      'get',
      'apiservice',
      'v1.subresources.kubevirt.io',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Available")].status}',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(apiService.stdout).toBe('True');
    const scaled = await run(kubectl, [
      'scale',
      'vdp/callcenter',
      '-n',
      'vdi-demo',
      '--replicas=25',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(scaled.stdout).toContain('scaled');

    child.kill('SIGINT');
    // It dies of the signal it was sent, as a program that caught nothing would.
    expect(await exited).toBe('SIGINT');
    // ... and takes the desktop's session with it.
    await eventually(() => {
      for (const p of session) expect(alive(p.pid), p.comm).toBe(false);
    }, 15_000);
    const after = await run(kubectl, ['get', 'ns', '--kubeconfig', kubeconfig, '--request-timeout=2s']).catch(
      (err: Error) => err,
    );
    expect(after).toBeInstanceOf(Error);
  }, 180_000); // a second whole control plane, the simulator, virt-api and 20 desktops, on a loaded 2-core machine
});
