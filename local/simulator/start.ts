// Starts the KubeVirt simulator (main.ts) as a child process for a test, a benchmark or kubevdi
// dev, and stops it again.
//
//   const sim = await startSimulator({ kubeconfig: inject('cluster').adminKubeconfig, namespace: ns });
//   ...
//   await sim.stop();
//
// The child is killed when stop() is called, when this process exits, and (through its stdin) when
// this process dies without exiting cleanly.
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../process.js';
import type { RdpServerChoice, ScreenMode } from './screen/tools.js';

export interface SimulatorOptions {
  kubeconfig: string;
  /** Only this namespace (recommended: two simulators on one namespace fight over it). */
  namespace?: string;
  /**
   * Only namespaces whose name starts with this, e.g. all of one test file's namespaces. Starting the
   * simulator takes seconds (loading client-node), so one per file is cheaper than one per test.
   */
  namespacePrefix?: string;
  bootDelayMs?: number;
  stopDelayMs?: number;
  cloneDelayMs?: number;
  /** Crash-loop backoff unit (KubeVirt: 10 s); the n-th consecutive failure waits about n² units. */
  crashLoopBackoffMs?: number;
  nodeName?: string;
  /**
   * Simulated Nodes `<nodeGroup>-1..N` created at start (README, "Nodes"); VMIs go to the group's
   * nodes. Nodes are cluster-scoped: give each test its own `nodeGroup`, and delete the nodes
   * after it (label `simulator.kubevdi.io/node-group`; `useWorld(ns, { nodes })` does both).
   */
  nodes?: number;
  /** Label `simulator.kubevdi.io/node-group` (and name prefix) of this simulator's nodes; default `sim-node`. */
  nodeGroup?: string;
  /** A live migration from creation to Succeeded (default 600 ms). */
  migrationDelayMs?: number;
  /** A migration whose target cannot be placed fails after this long (default 300 s, as KubeVirt). */
  migrationUnschedulableTimeoutMs?: number;
  /** KubeVirt's finalizers on VMs and VMIs (default true, as upstream). */
  finalizers?: boolean;
  /** Persist a firmware UUID into VMs without one, as virt-controller does (default true). */
  firmwareUUID?: boolean;
  /** Also serve KubeVirt's subresource API (virt-api), trusting this front-proxy CA (the API server's). */
  virtApiFrontProxyCa?: string;
  /**
   * How desktops show their screen (README.md, "Screens"): `auto` (default: real X sessions with VNC
   * and RDP when the programs are installed), `real` (fail without them), `synthetic` (virt-api's
   * 64×48 picture; no processes, no listeners).
   */
  screens?: ScreenMode;
  /** A session without connections stops after this long (default 60 s). */
  screenIdleMs?: number;
  /** PEM files of the CA that issues each desktop's RDP certificate; without, self-signed. */
  desktopCaCert?: string;
  desktopCaKey?: string;
  /** `USER:PASSWORD`: the desktops' RDP server requires CredSSP with this account. */
  rdpCredentials?: string;
  /** The desktops' RDP server (README.md, "Screens"); default `shadow`. */
  rdpServer?: RdpServerChoice;
  /** Receives each log line of the simulator; default: kept (see logs()), and echoed to stderr when SIMULATOR_LOG is set. */
  onLog?: (line: string) => void;
  /** Write the log lines to this file instead (headed by the command line); logs() then reads its end. */
  logFile?: string;
  /** How long to wait for `simulator ready` (default 90 s: a loaded machine; Infinity: as long as it takes). */
  readyTimeoutMs?: number;
}

export interface Simulator {
  readonly pid: number;
  /** The last log lines (up to 500). */
  logs(): string[];
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const args = [MAIN, '--kubeconfig', opts.kubeconfig, '--exit-on-stdin-close'];
  if (opts.namespace) args.push('--namespace', opts.namespace);
  if (opts.namespacePrefix) args.push('--namespace-prefix', opts.namespacePrefix);
  if (opts.bootDelayMs !== undefined) args.push('--boot-delay-ms', String(opts.bootDelayMs));
  if (opts.stopDelayMs !== undefined) args.push('--stop-delay-ms', String(opts.stopDelayMs));
  if (opts.cloneDelayMs !== undefined) args.push('--clone-delay-ms', String(opts.cloneDelayMs));
  if (opts.crashLoopBackoffMs !== undefined) args.push('--crash-loop-backoff-ms', String(opts.crashLoopBackoffMs));
  if (opts.nodeName) args.push('--node-name', opts.nodeName);
  if (opts.nodes !== undefined) args.push('--nodes', String(opts.nodes));
  if (opts.nodeGroup) args.push('--node-group', opts.nodeGroup);
  if (opts.migrationDelayMs !== undefined) args.push('--migration-delay-ms', String(opts.migrationDelayMs));
  if (opts.migrationUnschedulableTimeoutMs !== undefined)
    args.push('--migration-unschedulable-timeout-ms', String(opts.migrationUnschedulableTimeoutMs));
  if (opts.finalizers === false) args.push('--no-finalizers');
  if (opts.firmwareUUID === false) args.push('--no-firmware-uuid');
  if (opts.virtApiFrontProxyCa) args.push('--virt-api-front-proxy-ca', opts.virtApiFrontProxyCa);
  if (opts.screens) args.push('--screens', opts.screens);
  if (opts.screenIdleMs !== undefined) args.push('--screen-idle-ms', String(opts.screenIdleMs));
  if (opts.desktopCaCert) args.push('--desktop-ca-cert', opts.desktopCaCert);
  if (opts.desktopCaKey) args.push('--desktop-ca-key', opts.desktopCaKey);
  if (opts.rdpCredentials) args.push('--rdp-credentials', opts.rdpCredentials);
  if (opts.rdpServer) args.push('--rdp-server', opts.rdpServer);

  const echo = process.env.SIMULATOR_LOG ? (l: string) => process.stderr.write(`[simulator] ${l}\n`) : undefined;
  const onLog = opts.onLog ?? echo;
  // `--import tsx` resolves tsx from the working directory: the repository's node_modules.
  const simulator = await ManagedProcess.spawn(process.execPath, ['--import', 'tsx', ...args], {
    name: 'the KubeVirt simulator',
    cwd: REPO_ROOT,
    // It exits when its stdin closes: when we die without exiting cleanly.
    stdinPipe: true,
    // Its log is stderr; stdout says `simulator ready`.
    ...(opts.logFile ? { logFile: opts.logFile, stdoutHere: true } : {}),
    onLine: (line, stream) => {
      if (stream === 'stderr') onLog?.(line);
    },
  });
  try {
    await simulator.waitFor((line) => line.trim() === 'simulator ready' || undefined, opts.readyTimeoutMs ?? 90_000);
  } catch (err) {
    await simulator.kill();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    pid: simulator.pid,
    logs: () => (opts.logFile ? simulator.tail().split('\n') : simulator.lines()),
    stop() {
      stopped ??= simulator.stop(5000);
      return stopped;
    },
  };
}
