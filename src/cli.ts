#!/usr/bin/env node
// The kubevdi command: `operator` and `portal` (what the chart runs), `dev` (everything on one
// machine) and `controlplane build` (the local control plane's binaries, for CI caches). Options
// are parsed in cli-options.ts; the last two run the local environment and live in local/cli.ts.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { KUBECONFIG_USAGE, loadKubeconfig, parseOperatorArgs, parsePortalArgs } from './cli-options.js';
import { startOperator } from './operator.js';
import { createLogger } from './runtime/log.js';
import { fileClock } from './runtime/test-clock.js';

const USAGE = `Usage: kubevdi <command> [options]

Commands:
  operator   Run the operator against the current kubeconfig (or the in-cluster config).
             Options:
${KUBECONFIG_USAGE}
               --namespace NS              manage one namespace only (default: all)
               --leader-elect BOOL         take part in leader election (default: true)
               --leader-election-namespace where the Lease lives (default: $POD_NAMESPACE, or the
                                           managed namespace, or "default")
               --health-addr HOST:PORT     /healthz, /readyz and /metrics (default 0.0.0.0:8081)
               --lease-duration DURATION   how long a dead leader keeps the lease (default 15s)
               --session-poll-interval DURATION
                                           how often the logged-on users of each bound, running
                                           desktop are read from its guest agent (default 30s)
               --session-poll-qps N        at most this many of those reads per second, all
                                           desktops together (default 10)
               --rdp-network-policy        give each pool with rdp.enabled a NetworkPolicy: port
                                           3389 of its desktops only from the peers below (none:
                                           from nobody); their other ports stay open
               --rdp-allow-from-namespace NS, --rdp-allow-from-pods K=V[,K=V]
                                           the portal's pods (the chart sets these)
               --rdp-allow-cidr CIDR       a network that may reach RDP too, e.g. a VPN (repeatable)
               --test-clock-file FILE      FOR TESTS ONLY: the operator's wall clock starts at the
                                           RFC 3339 time in FILE and runs on; writing another time
                                           moves it (never in production)
  portal     Serve the portal: people sign in and take desktops; every Kubernetes call is made
             with the signed-in person's own token (the portal's kubeconfig gives only the server
             and its CA). Options:
${KUBECONFIG_USAGE}
               --listen HOST:PORT          where to serve (default 0.0.0.0:8080)
               --namespace NS              where to look for pools when a person may not list them
                                           in all namespaces (repeatable)
               --token-sign-in             allow signing in by pasting a bearer token (default off)
               --session-secret-file FILE  the secret sealing session cookies, the same on every
                                           replica (or $KUBEVDI_PORTAL_SESSION_SECRET; >= 32 bytes)
               --public-url URL            the URL people open (origin checks, Secure cookies);
                                           default: as reached
               --oidc-issuer URL           sign in with OpenID Connect at this issuer: exactly the
                                           API server's jwt issuer URL (https)
               --oidc-client-id ID         the portal's client at the issuer (confidential,
                                           client_secret_basic; redirect URI <public URL>/auth/callback)
               --oidc-client-secret-file FILE
                                           its secret (or $KUBEVDI_PORTAL_OIDC_CLIENT_SECRET)
               --oidc-ca-file FILE         the CA of the issuer's certificate, when private
               --rdp-address TEMPLATE      the address .rdp files name, from {service}, {desktop}
                                           and {namespace} (default {service}.{namespace}.svc:3389,
                                           reachable from inside the cluster's network)
               --rdp-upstream TEMPLATE     where the portal's RDP gateway connects for a desktop:
                                           the same placeholders and {ip}, the address KubeVirt
                                           reports for it (default {service}.{namespace}.svc:3389)
               --rdp-ca-file FILE          the CA of desktops' RDP certificates: the gateway then
                                           refuses any other (default: takes any, with a warning)
               --console-recheck DURATION  how often an open console's grant is asked again when
                                           its desktop did not change (default 30s; a change of it
                                           asks at once)
               --event-streams-per-person N
                                           live-update streams one person may have open; a new one
                                           closes their oldest (default 4)
               --event-streams-max N       live-update streams open in all (default 2000)
  dev        Run everything on this machine: a local control plane (etcd, kube-apiserver,
             kube-controller-manager) with the kubevdi and KubeVirt CRDs, a KubeVirt simulator
             (no KVM needed) and the operator, with the example Linux template and pool
             applied. Prints how to look around; Ctrl-C stops everything.
             Options:
               --work-dir DIR   where certificates, kubeconfigs and etcd data live
                                (default ~/.cache/kubevdi/dev; emptied at every start)
  controlplane build
             Build (or find) the control plane binaries kubevdi dev and the tests run: etcd,
             kube-apiserver, kube-controller-manager and kubectl, into ~/.cache/kubevdi/controlplane
             (cache that directory in CI). Prints their paths.
  help       Show this text.

The first \`kubevdi dev\` builds Kubernetes from Go modules (7 to 12 minutes on 2 cores); later
starts take seconds. KUBEBUILDER_ASSETS=<dir with etcd and kube-apiserver> skips the build.`;

/** The commands local/cli.ts gives: they run the local environment, not the product. */
export interface LocalCommands {
  dev(argv: string[]): Promise<void>;
  controlplane(argv: string[]): Promise<void>;
}

/**
 * local/ (beside src/ in a source checkout) holds the local environment: not part of the image, so
 * loaded by a path the compiler does not follow and `npm run build` leaves out of dist/. Run from
 * the checkout with tsx (`npm run dev`), `../local/cli.js` resolves to local/cli.ts.
 */
async function localCommands(command: string): Promise<LocalCommands> {
  const url = new URL('../local/cli.js', import.meta.url);
  try {
    return ((await import(url.href)) as { commands: LocalCommands }).commands;
  } catch (err) {
    // Only local/cli itself missing means "no checkout"; anything else it failed on is its own error.
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    if (!missing || !(err as Error).message.includes(fileURLToPath(url))) throw err;
    const script = command === 'dev' ? 'npm run dev' : 'npm run controlplane:build';
    throw new Error(
      `kubevdi ${command} needs a source checkout: it runs the local environment in local/, which the built ` +
        `package and the image leave out; in a checkout, run \`${script}\``,
    );
  }
}

async function operator(argv: string[]): Promise<void> {
  const { testClockFile, ...args } = parseOperatorArgs(argv);
  const log = createLogger();
  const clock = testClockFile ? fileClock(testClockFile, log) : undefined;
  const running = await startOperator({
    ...args,
    kubeconfig: loadKubeconfig(args.kubeconfig),
    log,
    ...(clock ? { clock } : {}),
  });
  log.info({ health: `${args.health.host}:${running.health?.port}` }, 'operator started');
  const stop = async (why: string) => {
    log.info({ why }, 'stopping');
    await running.stop();
    process.exit(why === 'lease lost' ? 1 : 0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  void running.lost.then(() => stop('lease lost'));
}

async function portal(argv: string[]): Promise<void> {
  const values = parsePortalArgs(argv);
  // Each command loads only what it runs: the operator's process never holds the web server.
  const [{ loadOidcOptions }, { loadSessionSecret }, { startPortal }] = await Promise.all([
    import('./portal/signin/oidc-config.js'),
    import('./portal/signin/secret.js'),
    import('./portal/server.js'),
  ]);
  const log = createLogger();
  const running = await startPortal({
    kubeconfig: loadKubeconfig(values.kubeconfig),
    host: values.host,
    port: values.port,
    namespaces: values.namespace,
    tokenSignIn: values['token-sign-in'],
    oidc: await loadOidcOptions({
      issuer: values['oidc-issuer'],
      clientId: values['oidc-client-id'],
      clientSecretFile: values['oidc-client-secret-file'],
      caFile: values['oidc-ca-file'],
    }),
    sessionSecret: await loadSessionSecret(values['session-secret-file']),
    publicUrl: values['public-url'],
    rdpAddress: values['rdp-address'],
    rdpUpstream: values['rdp-upstream'],
    rdpCa: values['rdp-ca-file'] === undefined ? undefined : await readFile(values['rdp-ca-file'], 'utf8'),
    consoleRecheckMs: values.consoleRecheckMs,
    liveUpdates: values.liveUpdates,
    log,
  });
  log.info({ url: running.url }, 'portal started');
  const stop = async (why: string) => {
    log.info({ why }, 'stopping');
    await running.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'operator':
      return operator(rest);
    case 'portal':
      return portal(rest);
    case 'dev':
    case 'controlplane':
      return (await localCommands(command))[command](rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`kubevdi: unknown command "${command}"\n\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`kubevdi: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
