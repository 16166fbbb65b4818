// The command line of `kubevdi operator` and `kubevdi portal`, parsed into what they start with.
// Pure apart from reading the kubeconfig, so it is tested without starting anything. Both take
// `--kubeconfig` and `--context` as every Kubernetes CLI does: the file wins over $KUBECONFIG,
// ~/.kube/config and the in-cluster config (in that order), and the context over the file's own.
import { parseArgs } from 'node:util';
import { KubeConfig, type V1NetworkPolicyPeer } from '@kubernetes/client-node';
import type { OperatorOptions } from './operator.js';

export const KUBECONFIG_USAGE = `               --kubeconfig FILE           the kubeconfig to use (default: $KUBECONFIG,
                                           ~/.kube/config, or the in-cluster config)
               --context NAME              the kubeconfig context to use (default: its current one)`;

const KUBECONFIG_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const;

export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
}

/** The KubeConfig the options name, with its context chosen; a context it lacks is refused by name. */
export function loadKubeconfig({ kubeconfig: file, context }: KubeconfigChoice): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(
        `--context ${context}: no such context in the kubeconfig (it has ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    kc.setCurrentContext(context);
  }
  return kc;
}

/** `kubevdi operator`'s options: everything startOperator takes but the kubeconfig (loaded by loadKubeconfig) and the logger. */
export interface OperatorArgs extends Omit<OperatorOptions, 'kubeconfig' | 'log' | 'health' | 'clock'> {
  kubeconfig: KubeconfigChoice;
  health: { host: string; port: number };
  /** For tests only: the file of a clock the test moves (runtime/test-clock.ts). */
  testClockFile?: string;
}

export function parseOperatorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...KUBECONFIG_OPTIONS,
      namespace: { type: 'string' },
      'leader-elect': { type: 'string', default: 'true' },
      'leader-election-namespace': { type: 'string' },
      'health-addr': { type: 'string', default: '0.0.0.0:8081' },
      'lease-duration': { type: 'string', default: '15s' },
      'session-poll-interval': { type: 'string', default: '30s' },
      'session-poll-qps': { type: 'string', default: '10' },
      'rdp-network-policy': { type: 'boolean', default: false },
      'rdp-allow-from-namespace': { type: 'string' },
      'rdp-allow-from-pods': { type: 'string' },
      'rdp-allow-cidr': { type: 'string', multiple: true, default: [] },
      'test-clock-file': { type: 'string' },
    },
  });
  const [host, port] = splitHostPort(values['health-addr']);
  const rdpAllowedFrom = values['rdp-network-policy']
    ? rdpPeers(values['rdp-allow-from-namespace'], values['rdp-allow-from-pods'], values['rdp-allow-cidr'])
    : undefined;
  const leaseNamespace = values['leader-election-namespace'] || env.POD_NAMESPACE || values.namespace || 'default';
  if (!['true', 'false'].includes(values['leader-elect'])) {
    throw new Error(`--leader-elect must be true or false, got "${values['leader-elect']}"`);
  }
  return {
    kubeconfig: { kubeconfig: values.kubeconfig, context: values.context },
    namespace: values.namespace,
    leaderElection:
      values['leader-elect'] === 'false' ? undefined : leaseTimes(leaseNamespace, values['lease-duration']),
    health: { host, port },
    sessions: {
      pollIntervalMs: seconds('--session-poll-interval', values['session-poll-interval']) * 1000,
      qps: positive('--session-poll-qps', values['session-poll-qps']),
    },
    ...(rdpAllowedFrom ? { rdpAllowedFrom } : {}),
    ...(values['test-clock-file'] ? { testClockFile: values['test-clock-file'] } : {}),
  };
}

/**
 * NetworkPolicy peers from the command line: the pods (the portal's, `k=v,k2=v2`) in a namespace,
 * and CIDRs. None at all closes RDP to everyone.
 */
export function rdpPeers(
  namespace: string | undefined,
  pods: string | undefined,
  cidrs: string[],
): V1NetworkPolicyPeer[] {
  const peers: V1NetworkPolicyPeer[] = [];
  if (namespace !== undefined || pods !== undefined) {
    const matchLabels = Object.fromEntries(
      (pods ?? '')
        .split(',')
        .filter((pair) => pair.trim() !== '')
        .map((pair) => {
          const [key, value, ...rest] = pair.split('=');
          if (!key || value === undefined || rest.length > 0)
            throw new Error(`--rdp-allow-from-pods takes key=value[,key=value], got "${pods}"`);
          return [key.trim(), value.trim()];
        }),
    );
    peers.push({
      ...(namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } : {}),
      podSelector: { matchLabels },
    });
  }
  for (const cidr of cidrs) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr))
      throw new Error(`--rdp-allow-cidr takes a CIDR (10.0.0.0/8), got "${cidr}"`);
    peers.push({ ipBlock: { cidr } });
  }
  return peers;
}

/** `kubevdi portal`'s options, as given (the portal loads its secrets and OIDC settings from them). */
export function parsePortalArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...KUBECONFIG_OPTIONS,
      listen: { type: 'string', default: '0.0.0.0:8080' },
      namespace: { type: 'string', multiple: true, default: [] },
      'token-sign-in': { type: 'boolean', default: false },
      'session-secret-file': { type: 'string' },
      'public-url': { type: 'string' },
      'oidc-issuer': { type: 'string' },
      'oidc-client-id': { type: 'string' },
      'oidc-client-secret-file': { type: 'string' },
      'oidc-ca-file': { type: 'string' },
      'rdp-address': { type: 'string' },
      'rdp-upstream': { type: 'string' },
      'rdp-ca-file': { type: 'string' },
      'console-recheck': { type: 'string', default: '30s' },
      'event-streams-per-person': { type: 'string', default: '4' },
      'event-streams-max': { type: 'string', default: '2000' },
    },
  });
  const [host, port] = splitHostPort(values.listen, '--listen');
  return {
    ...values,
    kubeconfig: { kubeconfig: values.kubeconfig, context: values.context },
    host,
    port,
    consoleRecheckMs: seconds('--console-recheck', values['console-recheck']) * 1000,
    liveUpdates: {
      perPerson: count('--event-streams-per-person', values['event-streams-per-person']),
      perPortal: count('--event-streams-max', values['event-streams-max']),
    },
  };
}

/** client-go's proportions: renew within 2/3 of the lease, retry every 2/15 of it (15s → 10s, 2s). */
function leaseTimes(namespace: string, duration: string) {
  const ms = seconds('--lease-duration', duration) * 1000;
  return { namespace, leaseDurationMs: ms, renewDeadlineMs: (ms * 2) / 3, retryPeriodMs: (ms * 2) / 15 };
}

/** "15s" or "0.5s" → seconds; anything else is refused with the option's name. */
function seconds(option: string, duration: string): number {
  const n = Number(/^(\d+(?:\.\d+)?)s$/.exec(duration)?.[1]);
  if (!n) throw new Error(`${option} must be seconds like "15s", got "${duration}"`);
  return n;
}

function positive(option: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${option} must be a number greater than 0, got "${value}"`);
  return n;
}

function count(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${option} must be a whole number of at least 1, got "${value}"`);
  return n;
}

function splitHostPort(addr: string, option = '--health-addr'): [string, number] {
  const colon = addr.lastIndexOf(':');
  const port = Number(addr.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) throw new Error(`${option} must be HOST:PORT, got "${addr}"`);
  return [addr.slice(0, colon).replace(/^\[|\]$/g, ''), port];
}
