// The moving parts of an integration test besides the API server: the KubeVirt simulator and the
// operator, each a process of its own, started per test and stopped after it (last started,
// first stopped), before the test's namespace goes.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, inject } from 'vitest';
import { NODE_GROUP_LABEL } from '../../local/simulator/nodes.js';
import type { RdpServerChoice, ScreenMode } from '../../local/simulator/screen/tools.js';
import { startSimulator } from '../../local/simulator/start.js';
import { kubeconfig } from './cluster.js';
import { type OperatorProcess, type OperatorProcessOptions, startOperatorProcess } from './operator.js';

/**
 * `screens`: how the simulator's desktops show their screen. Synthetic by default (a 64×48 picture,
 * no processes): most tests never look; those that show a console in a browser ask for `real`
 * (an X session per desktop they open; they fail where its programs are missing).
 */
export function useWorld(
  namespace: () => string,
  world: {
    screens?: ScreenMode;
    /** PEM files of the CA that issues desktops' RDP certificates (a portal then verifies them). */
    desktopCa?: { caFile: string; caKeyFile: string };
    /** The desktops' RDP server with real screens (default: FreeRDP's shadow server). */
    rdpServer?: RdpServerChoice;
    /**
     * Simulated nodes (local/simulator/README.md, "Nodes"): `<namespace>-1..N`, the test's own
     * group, deleted after the test. Without, every desktop runs on the one implicit node.
     */
    nodes?: number;
    /** A live migration from creation to Succeeded (the simulator's default: 600 ms). */
    migrationDelayMs?: number;
  } = {},
) {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  const operator = async (args: string[] = [], options: OperatorProcessOptions = {}): Promise<OperatorProcess> => {
    const started = await startOperatorProcess(namespace(), args, options);
    stops.push(() => started.kill('SIGKILL'));
    return started;
  };
  return {
    /** An operator replica in the test's namespace, with `kubevdi operator` flags. */
    operator,
    /** The simulator (short delays) and an operator. */
    async start(args: string[] = [], options: OperatorProcessOptions = {}): Promise<OperatorProcess> {
      const sim = await startSimulator({
        kubeconfig: inject('cluster').adminKubeconfig,
        namespace: namespace(),
        bootDelayMs: 50,
        stopDelayMs: 20,
        cloneDelayMs: 50,
        crashLoopBackoffMs: 100,
        screens: world.screens ?? 'synthetic',
        ...(world.desktopCa ? { desktopCaCert: world.desktopCa.caFile, desktopCaKey: world.desktopCa.caKeyFile } : {}),
        ...(world.rdpServer ? { rdpServer: world.rdpServer } : {}),
        ...(world.nodes ? { nodes: world.nodes, nodeGroup: namespace() } : {}),
        ...(world.migrationDelayMs !== undefined ? { migrationDelayMs: world.migrationDelayMs } : {}),
      });
      if (world.nodes) {
        // Nodes are cluster-scoped: they would outlive the test's namespace.
        const group = namespace();
        stops.push(() =>
          kubeconfig()
            .makeApiClient(CoreV1Api)
            .deleteCollectionNode({ labelSelector: `${NODE_GROUP_LABEL}=${group}` }),
        );
      }
      stops.push(() => sim.stop());
      return operator(args, options);
    },
  };
}
