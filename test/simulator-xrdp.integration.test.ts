// Desktops whose RDP server is xrdp (`--rdp-server xrdp`, local/simulator/screen/xrdp.ts): one xrdp
// per desktop at <VMI IP>:3389, TLS with a certificate from the desktop CA; a native client that
// signs in with the machine's desktop account gets a session of its own — the desktop's colour, its
// terminal, a clipboard (chansrv) — apart from the console's display; and everything of it goes with
// the VMI, and with the simulator even when that is killed. Needs root and the programs of
// scripts/install-desktop-tools.sh (which also makes the account).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCertificateAuthority } from '../local/devcluster/certs.js';
import { readDesktopAccount } from '../local/simulator/screen/account.js';
import { RDP_PORT } from '../local/simulator/screen/address.js';
import type { RdpCredentials } from '../local/simulator/screen/rdp.js';
import { rdpServiceName } from '../local/simulator/screen/rdp.js';
import { type Simulator, startSimulator } from '../local/simulator/start.js';
import { applyAs, createNamespace, kubeconfig, readYamlObjects, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { vmSubresource } from './support/guest.js';
import { KUBEVIRT_DIR } from './support/kubevirt.js';
import { alive, descendants, type ProcessInfo, rssKb } from './support/processes.js';
import { PROTOCOL, rdpHandshake, xfreerdp } from './support/rdp.js';
import { copyInSession, inSession, sessionClipboard, xrdpSession } from './support/xrdp.js';

const namespace = useTestNamespace('xrdp');
// biome-ignore lint/suspicious/noExplicitAny: API objects are inspected field by field in assertions
type Obj = any;
const kv = { group: 'kubevirt.io', version: 'v1' };
const api = () => kubeconfig().makeApiClient(CustomObjectsApi);
const admin = () => inject('cluster').adminKubeconfig;

let sim: Simulator;
let dir: string;
let caPem: string;
let account: RdpCredentials;
beforeAll(async () => {
  const found = await readDesktopAccount();
  if (!found) throw new Error('no desktop account: run scripts/install-desktop-tools.sh as root');
  account = found;
  dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-xrdp-test-'));
  const ca = await createCertificateAuthority('kubevdi-test-desktop-ca');
  caPem = ca.certPem;
  await writeFile(path.join(dir, 'ca.crt'), ca.certPem);
  await writeFile(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  sim = await startSimulator({
    kubeconfig: admin(),
    namespacePrefix: `xrdp-${process.pid}-`,
    bootDelayMs: 100,
    stopDelayMs: 50,
    screens: 'real',
    rdpServer: 'xrdp',
    desktopCaCert: path.join(dir, 'ca.crt'),
    desktopCaKey: path.join(dir, 'ca.key'),
  });
});
afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await api()
    .deleteCollectionNamespacedCustomObject({ ...kv, namespace: namespace(), plural: 'virtualmachines' })
    .catch(() => undefined);
  await eventually(async () => expect(await list(namespace(), 'virtualmachineinstances')).toEqual([]));
});

async function list(ns: string, plural: string): Promise<Obj[]> {
  return ((await api().listNamespacedCustomObject({ ...kv, namespace: ns, plural })) as { items: Obj[] }).items;
}

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

/** What the simulator `pid` runs for xrdp desktops: each instance's namespace and the sessions in it. */
function xrdpProcesses(pid: number): ProcessInfo[] {
  const all = descendants(pid);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => {
    for (let q: ProcessInfo | undefined = p; q; q = byPid.get(q.ppid)) if (q.comm === 'unshare') return true;
    return false;
  });
}

/** Signs in with xfreerdp and waits for the desktop's session to run; the client stays connected. */
async function signIn(ns: string, name: string, ip: string) {
  const native = await xfreerdp(`${ip}:${RDP_PORT}`, [`/u:${account.user}`, `/p:${account.password}`, '/sec:tls']);
  try {
    const session = await eventually(() => {
      const found = xrdpSession(ns, name);
      expect(found).toBeDefined();
      return found as NonNullable<typeof found>;
    }, 30_000);
    return { native, session };
  } catch (err) {
    await native.stop();
    throw err;
  }
}

describe('desktops whose RDP server is xrdp', () => {
  it('answers at <VMI IP>:3389 with TLS and the desktop CA’s certificate, and signs the account in to a session of its own', async () => {
    const ns = namespace();
    const vmi = await runningDesk(ns, 'desk-0');
    const ip = vmi.status.interfaces[0].ipAddress;
    const began = performance.now();
    const handshake = await rdpHandshake(ip, RDP_PORT, {
      ca: caPem,
      requestedProtocols: PROTOCOL.ssl | PROTOCOL.hybrid,
      timeoutMs: 30_000,
    });
    const handshakeMs = Math.round(performance.now() - began);
    // xrdp 0.9 has no CredSSP: it chooses TLS, with the desktop's certificate.
    expect(handshake).toMatchObject({ selectedProtocol: PROTOCOL.ssl, authorized: true });
    expect(handshake.certificate.subjectaltname).toBe(
      `IP Address:${ip}, DNS:${rdpServiceName({ namespace: ns, name: 'desk-0' })}`,
    );
    // The RDP server alone: no console display (Xvnc) was started for it.
    expect(descendants(sim.pid).map((p) => p.comm)).not.toContain('Xvnc');

    const signInBegan = performance.now();
    const { native, session } = await signIn(ns, 'desk-0', ip);
    try {
      const sessionMs = Math.round(performance.now() - signInBegan);
      expect(session.user).toBe(account.user);
      // The session shows the desktop: its programs run on the session's display...
      const programs = await eventually(async () => {
        const names = await inSession(session, 'ps -o comm= -u "$(id -u)"');
        expect(names).toMatch(/openbox/);
        expect(names).toMatch(/xterm/);
        return names;
      }, 20_000);
      expect(programs).toMatch(/xrdp-chansrv/);
      // ...and its clipboard is the X clipboard chansrv serves to RDP clients.
      await copyInSession(session, 'copied in the session');
      await eventually(async () => expect(await sessionClipboard(session)).toBe('copied in the session'), 10_000);
      const processes = xrdpProcesses(sim.pid);
      const mb = (p: ProcessInfo) => Math.round(rssKb(p.pid) / 1024);
      process.stderr.write(
        `[xrdp] first handshake ${handshakeMs} ms (xrdp started by it); signed in, session running ${sessionMs} ms after xfreerdp started; RSS ${processes.reduce((sum, p) => sum + mb(p), 0)} MB: ${processes
          .filter((p) => mb(p) >= 2)
          .map((p) => `${p.comm} ${mb(p)} MB`)
          .join(', ')}\n`,
      );
    } finally {
      await native.stop();
    }

    // The VM stops: xrdp, sesman, the session's Xorg and its programs are gone.
    const running = xrdpProcesses(sim.pid);
    expect(running.map((p) => p.comm)).toEqual(expect.arrayContaining(['xrdp', 'xrdp-sesman', 'Xorg']));
    expect((await vmSubresource(admin(), ns, 'desk-0', 'stop')).status).toBe(202);
    await eventually(
      () => {
        for (const p of running) expect(alive(p.pid), `${p.comm} (${p.pid})`).toBe(false);
      },
      20_000,
      250,
    );
    expect(xrdpSession(ns, 'desk-0')).toBeUndefined();
  });

  it('a simulator killed with SIGKILL leaves no xrdp, session or mount behind', async () => {
    const { name: ns, cleanup } = await createNamespace('xrdp-kill');
    const doomed = await startSimulator({
      kubeconfig: admin(),
      namespace: ns,
      bootDelayMs: 100,
      screens: 'real',
      rdpServer: 'xrdp',
      finalizers: false,
    });
    try {
      const vmi = await runningDesk(ns, 'desk-0');
      const { native, session } = await signIn(ns, 'desk-0', vmi.status.interfaces[0].ipAddress);
      const running = await eventually(() => {
        const found = xrdpProcesses(doomed.pid);
        expect(found.map((p) => p.comm)).toContain('Xorg');
        return found;
      }, 20_000);
      await native.stop();
      process.kill(doomed.pid, 'SIGKILL');
      await eventually(
        () => {
          for (const p of running) expect(alive(p.pid), `${p.comm} (${p.pid})`).toBe(false);
        },
        20_000,
        250,
      );
      expect(alive(session.pid)).toBe(false);
    } finally {
      await doomed.stop();
      await api()
        .deleteCollectionNamespacedCustomObject({ ...kv, namespace: ns, plural: 'virtualmachines' })
        .catch(() => undefined);
      await cleanup();
    }
  });
});
