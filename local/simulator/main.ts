// The KubeVirt simulator as a process of its own (a test tool, not part of the operator):
//
//   node --import tsx local/simulator/main.ts --kubeconfig FILE [--namespace NS | --namespace-prefix P]
//        [--boot-delay-ms 200] [--stop-delay-ms 100] [--clone-delay-ms 300]
//        [--crash-loop-backoff-ms 1000] [--node-name sim-node-1]
//        [--nodes 0] [--node-group sim-node] [--migration-delay-ms 600]
//        [--migration-unschedulable-timeout-ms 300000]
//        [--no-finalizers] [--no-firmware-uuid] [--exit-on-stdin-close]
//        [--virt-api-front-proxy-ca FILE]
//        [--screens auto|real|synthetic] [--screen-idle-ms 60000]
//        [--desktop-ca-cert FILE --desktop-ca-key FILE] [--rdp-credentials USER:PASSWORD]
//        [--rdp-server shadow|xrdp|auto]
//
// Prints `simulator ready` on stdout once its watches are synced (and, with
// --virt-api-front-proxy-ca, once its virt-api is registered and Available), logs one line per
// state change on stderr, and exits 0 on SIGTERM or SIGINT (or when stdin closes, with
// --exit-on-stdin-close: the parent that spawned it is gone). See README.md.
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_CONFIG, type SimulatorConfig } from './context.js';
import { DEFAULT_IDLE_MS } from './screen/screens.js';
import { setUpScreens } from './screen/setup.js';
import { RDP_SERVER_CHOICES, type RdpServerChoice, SCREEN_MODES, type ScreenMode } from './screen/tools.js';
import { runSimulator } from './simulator.js';
import { startVirtApi } from './virt-api/index.js';

const USAGE = `usage: node --import tsx local/simulator/main.ts --kubeconfig FILE [--namespace NS | --namespace-prefix P]
  [--boot-delay-ms ${DEFAULT_CONFIG.bootDelayMs}] [--stop-delay-ms ${DEFAULT_CONFIG.stopDelayMs}] [--clone-delay-ms ${DEFAULT_CONFIG.cloneDelayMs}]
  [--crash-loop-backoff-ms ${DEFAULT_CONFIG.crashLoopBackoffMs}] [--node-name ${DEFAULT_CONFIG.nodeName}]
  [--nodes N]                        create simulated Nodes <group>-1..N (if absent) and place VMIs on the group's
                                     nodes (default 0: no Node objects, every VMI on --node-name)
  [--node-group ${DEFAULT_CONFIG.nodeGroup}]          the nodes' label simulator.kubevdi.io/node-group (and name prefix)
  [--migration-delay-ms ${DEFAULT_CONFIG.migrationDelayMs}]        a live migration from creation to Succeeded
  [--migration-unschedulable-timeout-ms ${DEFAULT_CONFIG.migrationUnschedulableTimeoutMs}]  a migration without a target node fails after this
  [--no-finalizers] [--no-firmware-uuid] [--exit-on-stdin-close]
  [--virt-api-front-proxy-ca FILE]   also serve KubeVirt's subresource API (virt-api) through the API server
  [--screens auto|real|synthetic]    a desktop someone connects to gets a real X session with VNC and RDP
                                     (auto: when Xvnc, openbox, xterm, xsetroot, freerdp-shadow-cli are installed),
                                     or the synthetic 64×48 picture
  [--screen-idle-ms ${DEFAULT_IDLE_MS}]           a session without connections stops after this long
  [--desktop-ca-cert FILE --desktop-ca-key FILE]  issue each desktop's RDP certificate from this CA (PEM)
  [--rdp-credentials USER:PASSWORD]  the RDP server requires CredSSP (NLA) with this account
  [--rdp-server shadow|xrdp|auto]    RDP by FreeRDP's shadow server (default: the console's display, no sign-in,
                                     no clipboard) or xrdp (root: a session of its own per desktop, the machine's
                                     accounts sign in, clipboard and files); auto: xrdp where it can run`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function milliseconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number of milliseconds ≥ 0, got ${value}`);
  return n;
}

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1000) fail(`--${name} must be a whole number from 0 to 1000, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse();
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig) fail('--kubeconfig is required');

  if (values.namespace && values['namespace-prefix']) fail('--namespace and --namespace-prefix exclude each other');
  const config: SimulatorConfig = {
    namespace: values.namespace,
    namespacePrefix: values['namespace-prefix'],
    bootDelayMs: milliseconds(values['boot-delay-ms'], 'boot-delay-ms', DEFAULT_CONFIG.bootDelayMs),
    stopDelayMs: milliseconds(values['stop-delay-ms'], 'stop-delay-ms', DEFAULT_CONFIG.stopDelayMs),
    cloneDelayMs: milliseconds(values['clone-delay-ms'], 'clone-delay-ms', DEFAULT_CONFIG.cloneDelayMs),
    crashLoopBackoffMs: milliseconds(
      values['crash-loop-backoff-ms'],
      'crash-loop-backoff-ms',
      DEFAULT_CONFIG.crashLoopBackoffMs,
    ),
    nodeName: values['node-name'] ?? DEFAULT_CONFIG.nodeName,
    nodes: count(values.nodes, 'nodes', DEFAULT_CONFIG.nodes),
    nodeGroup: values['node-group'] ?? DEFAULT_CONFIG.nodeGroup,
    migrationDelayMs: milliseconds(values['migration-delay-ms'], 'migration-delay-ms', DEFAULT_CONFIG.migrationDelayMs),
    migrationUnschedulableTimeoutMs: milliseconds(
      values['migration-unschedulable-timeout-ms'],
      'migration-unschedulable-timeout-ms',
      DEFAULT_CONFIG.migrationUnschedulableTimeoutMs,
    ),
    finalizers: !values['no-finalizers'],
    firmwareUUID: !values['no-firmware-uuid'],
  };

  const screensMode = (values.screens ?? 'auto') as ScreenMode;
  if (!SCREEN_MODES.includes(screensMode)) fail(`--screens must be one of ${SCREEN_MODES.join(', ')}`);
  const rdpServer = (values['rdp-server'] ?? 'shadow') as RdpServerChoice;
  if (!RDP_SERVER_CHOICES.includes(rdpServer)) fail(`--rdp-server must be one of ${RDP_SERVER_CHOICES.join(', ')}`);

  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const log = (line: string) => void process.stderr.write(`${line}\n`);
  const scope = config.namespace
    ? `namespace ${config.namespace}`
    : config.namespacePrefix
      ? `namespaces ${config.namespacePrefix}*`
      : 'all namespaces';
  log(`simulator: watching ${scope} on ${kc.getCurrentCluster()?.server ?? '?'}`);

  let stopping: Promise<void> | undefined;
  let simulator: { stop(): Promise<void> } | undefined;
  let virtApi: { stop(): Promise<void> } | undefined;
  const shutdown = (why: string) => {
    stopping ??= (async () => {
      log(`simulator: ${why}, stopping`);
      const force = setTimeout(() => process.exit(0), 5000);
      force.unref();
      await virtApi?.stop();
      await simulator?.stop();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (values['exit-on-stdin-close']) {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => shutdown('stdin closed'));
    process.stdin.once('error', () => shutdown('stdin closed'));
  }

  const desktops = await setUpScreens({
    mode: screensMode,
    idleMs: milliseconds(values['screen-idle-ms'], 'screen-idle-ms', DEFAULT_IDLE_MS),
    desktopCaCertFile: values['desktop-ca-cert'],
    desktopCaKeyFile: values['desktop-ca-key'],
    rdpCredentials: values['rdp-credentials'],
    rdpServer,
    log,
  }).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
  simulator = await runSimulator(kc, config, log, desktops);
  const frontProxyCaFile = values['virt-api-front-proxy-ca'];
  if (frontProxyCaFile && !stopping) virtApi = await startVirtApi({ kubeconfig: kc, frontProxyCaFile, log });
  if (stopping) return;
  process.stdout.write('simulator ready\n');
}

function parse() {
  return parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'namespace-prefix': { type: 'string' },
      'boot-delay-ms': { type: 'string' },
      'stop-delay-ms': { type: 'string' },
      'clone-delay-ms': { type: 'string' },
      'crash-loop-backoff-ms': { type: 'string' },
      'node-name': { type: 'string' },
      nodes: { type: 'string' },
      'node-group': { type: 'string' },
      'migration-delay-ms': { type: 'string' },
      'migration-unschedulable-timeout-ms': { type: 'string' },
      'no-finalizers': { type: 'boolean' },
      'no-firmware-uuid': { type: 'boolean' },
      'exit-on-stdin-close': { type: 'boolean' },
      'virt-api-front-proxy-ca': { type: 'string' },
      screens: { type: 'string' },
      'screen-idle-ms': { type: 'string' },
      'desktop-ca-cert': { type: 'string' },
      'desktop-ca-key': { type: 'string' },
      'rdp-credentials': { type: 'string' },
      'rdp-server': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
