// Everything the remote-desktop benchmark looks through, started on the benchmark's control plane:
// the simulator with real screens (and its virt-api, for the VNC path through the API server), the
// operator, N people each holding a desktop of a pool that offers RDP, the portal as deployed
// (`node dist/cli.js portal`, its RDP gateway verifying desktops with their CA), the bare relay of
// the direct path, Chromium, and the test pattern on each desktop once its session runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { type Browser, chromium } from 'playwright-core';
import { createDesktopCa } from '../../local/devcluster/pki.js';
import { desktopLabel } from '../../local/simulator/screen/desktop.js';
import { startSimulator } from '../../local/simulator/start.js';
import { API_VERSION } from '../../src/api/index.js';
import { makeApply } from '../../src/runtime/apply.js';
import type { BenchCluster } from '../harness/cluster.js';
import { applyTemplate, createNamespace, FIELD_MANAGER, TEMPLATE } from '../harness/fixtures.js';
import { startOperatorProcess } from '../harness/operator.js';
import { holdDesktops, makeUsers, signIn } from '../harness/people.js';
import { buildWebBundles, type PortalProcess, startPortalProcess } from '../harness/portal.js';
import type { KnownPids } from './cpu.js';
import { buildProbe } from './native.js';
import { buildTestPattern, type RunningPattern, runTestPattern, sessionDisplay } from './pattern.js';
import { type RelayProcess, startDirectRelay } from './relay-process.js';
import type { ViewerTarget } from './viewers.js';

const NAMESPACE = 'bench-remote';
const POOL = 'screens';

export interface RemoteWorld {
  browser: Browser;
  portal: PortalProcess;
  relay: RelayProcess;
  /** The native client's probe (remote/probe.c, built). */
  probe: string;
  /** One per person, each with their own desktop. */
  targets: ViewerTarget[];
  /** The test pattern on the desktop, started once its session runs (on its first connection). */
  patternOf(desktop: string): Promise<RunningPattern>;
  /** Bytes the portal's consoles (RDP and VNC) carried to browsers so far (its /metrics). */
  portalBytesToBrowser(): Promise<number>;
  /** The processes CPU is told apart by (remote/cpu.ts). */
  known: KnownPids;
  stop(): Promise<void>;
}

export async function startRemoteWorld(
  cluster: BenchCluster,
  desktopCount: number,
  patternFps: number,
  log: (line: string) => void,
): Promise<RemoteWorld> {
  const admin = cluster.admin;
  await createNamespace(admin, NAMESPACE);
  const dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-bench-remote-'));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const [ca, binary, probe] = await Promise.all([
      createDesktopCa(dir),
      buildTestPattern(),
      buildProbe(),
      buildWebBundles(),
    ]);
    const simulator = await startSimulator({
      kubeconfig: cluster.adminKubeconfigFile,
      namespace: NAMESPACE,
      finalizers: false,
      bootDelayMs: 500,
      screens: 'real',
      // Sessions stay up between one page and the next.
      screenIdleMs: 30 * 60_000,
      desktopCaCert: ca.caFile,
      desktopCaKey: ca.caKeyFile,
      // The VNC path goes through the API server's aggregation layer to the simulator's virt-api.
      virtApiFrontProxyCa: cluster.controlPlane.frontProxy.caFile,
    });
    stops.push(() => simulator.stop());
    const operator = await startOperatorProcess(cluster.operatorKubeconfigFile, NAMESPACE);
    stops.push(() => operator.stop());

    const people = await makeUsers(admin, NAMESPACE, desktopCount, desktopCount);
    await applyTemplate(admin, NAMESPACE, true);
    await makeApply(
      admin,
      FIELD_MANAGER,
    )({
      apiVersion: API_VERSION,
      kind: 'VirtualDesktopPool',
      metadata: { name: POOL, namespace: NAMESPACE },
      spec: {
        templateRef: { name: TEMPLATE },
        size: desktopCount,
        prestarted: desktopCount,
        assignment: 'Automatic',
        persistence: 'Stateless',
        rdp: { enabled: true },
        access: { users: people.map((u) => u.username) },
      },
    });
    const desktops = await holdDesktops(admin, NAMESPACE, POOL, people);
    log(`remote: ${desktopCount} people hold a desktop each`);

    const portal = await startPortalProcess(cluster.adminKubeconfigFile, NAMESPACE, [
      '--rdp-upstream',
      '{ip}:3389',
      '--rdp-ca-file',
      ca.caFile,
    ]);
    stops.push(() => portal.stop());
    const relay = await startDirectRelay(ca.caFile);
    stops.push(() => relay.stop());
    const targets: ViewerTarget[] = [];
    for (const person of people) {
      const desktop = desktops.get(person.name) as string;
      const rdpAddress = `${await desktopAddress(admin, desktop)}:3389`;
      targets.push({
        portalUrl: portal.url,
        cookie: await signIn(portal.url, person.token),
        namespace: NAMESPACE,
        desktop,
        rdpAddress,
        relayUrl: relay.urlTo(rdpAddress),
      });
    }
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    stops.push(() => browser.close());

    const patterns = new Map<string, Promise<RunningPattern>>();
    const patternOf = (desktop: string) => {
      let running = patterns.get(desktop);
      if (!running) {
        running = (async () => {
          const display = await sessionDisplay(desktopLabel(NAMESPACE, desktop));
          const started = await runTestPattern(binary, display, patternFps);
          stops.push(() => started.stop());
          return started;
        })();
        patterns.set(desktop, running);
      }
      return running;
    };
    return {
      browser,
      portal,
      relay,
      probe,
      targets,
      patternOf,
      portalBytesToBrowser: async () => {
        const metrics = await (await fetch(`${portal.url}/metrics`)).text();
        let bytes = 0;
        for (const m of metrics.matchAll(/^kubevdi_portal_console_bytes_total\{([^}]*)\} (\S+)$/gm))
          if (m[1]?.includes('direction="to-browser"')) bytes += Number(m[2]);
        return bytes;
      },
      known: {
        portal: portal.pid,
        'direct relay': relay.pid,
        'simulator (virt-api)': simulator.pid,
        operator: operator.pid,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The address the simulator reports for the desktop (where its RDP server answers). */
async function desktopAddress(admin: KubeConfig, desktop: string): Promise<string> {
  const vmi = (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachineinstances',
    namespace: NAMESPACE,
    name: desktop,
  })) as { status?: { interfaces?: { ipAddress?: string }[] } };
  const ip = vmi.status?.interfaces?.[0]?.ipAddress;
  if (!ip) throw new Error(`${NAMESPACE}/${desktop} has no address`);
  return ip;
}
