// Desktops that show a real screen (issue 16 §1): the simulator gives each running VMI a loopback
// address of its own; the first connection to it — VNC through the real API server's `vnc`
// subresource, or RDP to <its address>:3389 — starts a real X session (TigerVNC's Xvnc, openbox, an
// xterm with a clock) and, for RDP, FreeRDP's shadow server with a certificate from the desktop CA
// the simulator was given. The session is shared, stops when nobody is connected for a while, and
// goes with the VMI — and with the simulator, even one killed with SIGKILL: nothing is left behind.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCertificateAuthority } from '../local/devcluster/certs.js';
import { desktopAddress, isDesktopAddress, RDP_PORT, VNC_PORT } from '../local/simulator/screen/address.js';
import { SCREEN_SIZE, TERMINAL_PIXEL } from '../local/simulator/screen/desktop.js';
import { rdpServiceName } from '../local/simulator/screen/rdp.js';
import { type Simulator, startSimulator } from '../local/simulator/start.js';
import { desktopColour } from '../local/simulator/virt-api/framebuffer.js';
import { applyAs, createNamespace, kubeconfig, readYamlObjects, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { vmSubresource } from './support/guest.js';
import { KUBEVIRT_DIR } from './support/kubevirt.js';
import { alive, descendants, type ProcessInfo, rssKb } from './support/processes.js';
import { PROTOCOL, rdpHandshake, xfreerdp } from './support/rdp.js';
import { openVnc, rgbAt } from './support/vnc.js';

const namespace = useTestNamespace('screens');
// biome-ignore lint/suspicious/noExplicitAny: API objects are inspected field by field in assertions
type Obj = any;
const kv = { group: 'kubevirt.io', version: 'v1' };
const api = () => kubeconfig().makeApiClient(CustomObjectsApi);
const admin = () => inject('cluster').adminKubeconfig;

const RDP_USER = 'alice';
const RDP_PASSWORD = 'correct horse: battery';
/** How long a session without connections lives here (the default is 60 s). */
const IDLE_MS = 3000;
/** A session's programs as the kernel names them (15 characters at most). */
const SESSION_PROGRAMS = ['Xvnc', 'openbox', 'xterm', 'freerdp-shadow-'];

let sim: Simulator;
let dir: string;
let caPem: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-screens-test-'));
  const ca = await createCertificateAuthority('kubevdi-test-desktop-ca');
  caPem = ca.certPem;
  await writeFile(path.join(dir, 'ca.crt'), ca.certPem);
  await writeFile(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  sim = await startSimulator({
    kubeconfig: admin(),
    namespacePrefix: `screens-${process.pid}-`,
    bootDelayMs: 100,
    stopDelayMs: 50,
    // Fails (and says what to install) where the programs are missing: this file is about real screens.
    screens: 'real',
    screenIdleMs: IDLE_MS,
    desktopCaCert: path.join(dir, 'ca.crt'),
    desktopCaKey: path.join(dir, 'ca.key'),
    rdpCredentials: `${RDP_USER}:${RDP_PASSWORD}`,
  });
});
afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  // The simulator takes KubeVirt's finalizers off while it runs: delete before it stops.
  await api()
    .deleteCollectionNamespacedCustomObject({ ...kv, namespace: namespace(), plural: 'virtualmachines' })
    .catch(() => undefined);
  await eventually(async () => expect(await list(namespace(), 'virtualmachineinstances')).toEqual([]));
});

async function list(ns: string, plural: string): Promise<Obj[]> {
  return ((await api().listNamespacedCustomObject({ ...kv, namespace: ns, plural })) as { items: Obj[] }).items;
}

/** The Linux example as `name` in `ns`, running. */
async function runningDesk(ns: string, name: string): Promise<Obj> {
  const [vm] = (await readYamlObjects(`${KUBEVIRT_DIR}/examples/vm-linux-desktop.yaml`)) as Obj[];
  vm.metadata = { name, namespace: ns };
  vm.spec.runStrategy = 'Always';
  await applyAs()(vm as KubernetesObject);
  return eventually(async () => {
    const [vmi] = (await list(ns, 'virtualmachineinstances')).filter((v) => v.metadata.name === name);
    expect(vmi?.status?.phase).toBe('Running');
    return vmi;
  });
}

/** The session programs the simulator `pid` runs, and what they run (the terminal's shell). */
function sessionProcesses(pid: number): ProcessInfo[] {
  const all = descendants(pid);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const inSession = (p: ProcessInfo) => {
    for (let q: ProcessInfo | undefined = p; q; q = byPid.get(q.ppid))
      if (SESSION_PROGRAMS.includes(q.comm)) return true;
    return false;
  };
  return all.filter(inSession);
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** FreeRDP's own client, checking the credentials only: its exit code. */
async function xfreerdpAuthOnly(address: string, user: string, password: string): Promise<number | null> {
  const native = await xfreerdp(address, [`/u:${user}`, `/p:${password}`, '+auth-only']);
  try {
    const exit = await Promise.race([native.client.exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (!exit) throw native.client.failure('did not finish within 30 s');
    return native.client.exit?.code ?? null;
  } finally {
    await native.stop();
  }
}

describe('desktops with a real screen', () => {
  it('VNC through the API server reaches the desktop’s X server: 1280×800, its colour, a terminal whose clock ticks', async () => {
    const ns = namespace();
    const vmi = await runningDesk(ns, 'desk-0');
    // The VMI's IP: a loopback address of its own, from its uid.
    const ip = vmi.status.interfaces[0].ipAddress;
    expect(ip).toBe(desktopAddress(vmi.metadata.uid));
    expect(isDesktopAddress(ip)).toBe(true);
    // Nothing runs until someone connects.
    expect(sessionProcesses(sim.pid)).toEqual([]);

    const began = performance.now();
    const screen = await openVnc(admin(), ns, 'desk-0', { timeoutMs: 30_000 });
    const firstPixelsMs = Math.round(performance.now() - began);
    expect({ name: screen.name, width: screen.width, height: screen.height, bpp: screen.bitsPerPixel }).toEqual({
      name: `${ns}/desk-0`,
      ...SCREEN_SIZE,
      bpp: 32,
    });
    const colour = [...desktopColour(`${ns}/desk-0`)];
    expect(screen.rgb(32, 24)).toEqual(colour);

    // openbox and the terminal come up just after the display: the terminal covers its pixel...
    const withTerminal = await eventually(
      async () => {
        const frame = await screen.refresh();
        expect(rgbAt(frame, screen.width, TERMINAL_PIXEL.x, TERMINAL_PIXEL.y)).not.toEqual(colour);
        return frame;
      },
      20_000,
      250,
    );
    // ...and its clock changes the screen every second.
    await eventually(async () => expect((await screen.refresh()).equals(withTerminal)).toBe(false), 10_000, 500);
    expect(rgbAt(withTerminal, screen.width, 32, 24)).toEqual(colour);

    const running = sessionProcesses(sim.pid);
    expect(
      running
        .map((p) => p.comm)
        .filter((c) => c !== 'sh' && c !== 'sleep')
        .sort(),
    ).toEqual(['Xvnc', 'openbox', 'xterm']);
    const rss = running.reduce((sum, p) => sum + rssKb(p.pid), 0);
    process.stderr.write(
      `[screens] first pixels ${firstPixelsMs} ms after the console opened (session started by it); session RSS ${Math.round(rss / 1024)} MB: ${running.map((p) => `${p.comm} ${Math.round(rssKb(p.pid) / 1024)} MB`).join(', ')}\n`,
    );
    screen.close();
  });

  it('RDP at <VMI IP>:3389: the shadow server’s Connection Confirm, TLS with a certificate from the desktop CA, CredSSP with the account given', async () => {
    const ns = namespace();
    const vmi = await runningDesk(ns, 'desk-0');
    const ip = vmi.status.interfaces[0].ipAddress;
    const name = rdpServiceName({ namespace: ns, name: 'desk-0' });

    const began = performance.now();
    const byAddress = await rdpHandshake(ip, RDP_PORT, {
      ca: caPem,
      requestedProtocols: PROTOCOL.ssl | PROTOCOL.hybrid,
      timeoutMs: 30_000,
    });
    const handshakeMs = Math.round(performance.now() - began);
    // The server chose CredSSP (it has an account), over TLS with a certificate that chains to the
    // desktop CA and names the desktop's address...
    expect(byAddress).toMatchObject({ selectedProtocol: PROTOCOL.hybrid, authorized: true });
    expect(byAddress.certificate.subjectaltname).toBe(`IP Address:${ip}, DNS:${name}`);
    expect(byAddress.certificate.issuer.CN).toBe('kubevdi-test-desktop-ca');
    // ... and its Service's name.
    const byName = await rdpHandshake(ip, RDP_PORT, {
      ca: caPem,
      servername: name,
      requestedProtocols: PROTOCOL.ssl | PROTOCOL.hybrid,
    });
    expect(byName.authorized).toBe(true);
    // Another CA does not vouch for it.
    const stranger = await createCertificateAuthority('someone-else');
    const untrusted = await rdpHandshake(ip, RDP_PORT, {
      ca: stranger.certPem,
      requestedProtocols: PROTOCOL.ssl | PROTOCOL.hybrid,
    });
    expect(untrusted.authorized).toBe(false);
    // A client offering TLS alone is told CredSSP is required.
    await expect(rdpHandshake(ip, RDP_PORT, { ca: caPem, requestedProtocols: PROTOCOL.ssl })).rejects.toThrow(
      /refused the negotiation/,
    );

    // FreeRDP's client authenticates with the account, and not with a wrong password.
    expect(await xfreerdpAuthOnly(`${ip}:${RDP_PORT}`, RDP_USER, RDP_PASSWORD)).toBe(0);
    expect(await xfreerdpAuthOnly(`${ip}:${RDP_PORT}`, RDP_USER, 'wrong')).not.toBe(0);

    const running = sessionProcesses(sim.pid);
    expect(running.filter((p) => p.comm === 'freerdp-shadow-')).toHaveLength(1);
    const shadow = running.find((p) => p.comm === 'freerdp-shadow-') as ProcessInfo;
    process.stderr.write(
      `[screens] first RDP handshake ${handshakeMs} ms (X session and RDP server started by it); RDP server RSS ${Math.round(rssKb(shadow.pid) / 1024)} MB\n`,
    );
  });

  it('one session per desktop, shared by VNC and RDP, stopped when idle, started again, and gone with the VMI', async () => {
    const ns = namespace();
    const vmi = await runningDesk(ns, 'desk-0');
    const ip = vmi.status.interfaces[0].ipAddress;

    const screen = await openVnc(admin(), ns, 'desk-0', { timeoutMs: 30_000 });
    await rdpHandshake(ip, RDP_PORT, { ca: caPem, requestedProtocols: PROTOCOL.ssl | PROTOCOL.hybrid });
    const xServers = () => sessionProcesses(sim.pid).filter((p) => p.comm === 'Xvnc');
    expect(xServers()).toHaveLength(1);

    // Nobody connected for IDLE_MS: the session stops, though the VMI runs on.
    screen.close();
    const first = sessionProcesses(sim.pid);
    await eventually(() => expect(sessionProcesses(sim.pid)).toEqual([]), IDLE_MS + 15_000, 250);
    for (const p of first) expect(alive(p.pid)).toBe(false);
    // The next connection starts a new one.
    const again = await openVnc(admin(), ns, 'desk-0', { timeoutMs: 30_000 });
    expect(again.rgb(32, 24)).toEqual([...desktopColour(`${ns}/desk-0`)]);
    const second = sessionProcesses(sim.pid);
    expect(second.filter((p) => p.comm === 'Xvnc')).toHaveLength(1);
    const sessionDirs = sim.logs().flatMap((l) => /screen .*: display :\d+ .* in (\S+)$/.exec(l)?.[1] ?? []);
    expect(sessionDirs.length).toBeGreaterThan(0);

    // The VM stops: its console ends, and its session, processes and listeners are gone.
    expect((await vmSubresource(admin(), ns, 'desk-0', 'stop')).status).toBe(202);
    expect(await again.closed).toBe(1006);
    await eventually(() => expect(sessionProcesses(sim.pid)).toEqual([]), 15_000, 250);
    for (const p of second) expect(alive(p.pid)).toBe(false);
    await eventually(async () => {
      expect(await refused(ip, RDP_PORT)).toBe(true);
      expect(await refused(ip, VNC_PORT)).toBe(true);
    });
    for (const d of sessionDirs) await expect(stat(d)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a simulator killed with SIGKILL leaves no session process behind (its orphan guard stops them)', async () => {
    const { name: ns, cleanup } = await createNamespace('screens-kill');
    const doomed = await startSimulator({
      kubeconfig: admin(),
      namespace: ns,
      bootDelayMs: 100,
      screens: 'real',
      finalizers: false,
    });
    try {
      await runningDesk(ns, 'desk-0');
      const screen = await openVnc(admin(), ns, 'desk-0', { timeoutMs: 30_000 });
      const running = await eventually(() => {
        const found = sessionProcesses(doomed.pid);
        expect(found.map((p) => p.comm)).toContain('xterm');
        return found;
      }, 20_000);
      process.kill(doomed.pid, 'SIGKILL');
      // The console through virt-api ends with it.
      expect(await screen.closed).toBe(1006);
      await eventually(
        () => {
          for (const p of running) expect(alive(p.pid), `${p.comm} (${p.pid})`).toBe(false);
        },
        20_000,
        250,
      );
    } finally {
      await doomed.stop();
      await api()
        .deleteCollectionNamespacedCustomObject({ ...kv, namespace: ns, plural: 'virtualmachines' })
        .catch(() => undefined);
      await cleanup();
    }
  });
});
