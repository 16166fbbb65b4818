// `kubevdi dev`: the whole product on one machine, for a newcomer. A local control plane with the
// CRDs, the KubeVirt simulator (there is no KVM here), the operator, a local OpenID provider and
// the portal, with the example Linux template and call-centre pool applied, demo people entitled
// to it, and a few lines on how to look around. Desktops show a real screen (an X session behind
// their VNC console and an RDP server on their address) when the programs for it are installed.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { POOLS } from '../src/api/virtualdesktoppool.js';
import { startOperator } from '../src/operator.js';
import { restartOnLeaseLoss } from '../src/operator-restarts.js';
import { REPO_ROOT } from '../src/paths.js';
import { startPortal } from '../src/portal/server.js';
import { makeApply } from '../src/runtime/apply.js';
import { cacheRoot, ensureBinaries } from './devcluster/binaries.js';
import { type ControlPlane, startControlPlane } from './devcluster/controlplane.js';
import { ensureKubevirtCrds, KUBEVIRT_VERSION } from './devcluster/kubevirt-crds.js';
import { applyManifests, yamlFiles } from './devcluster/manifests.js';
import { type OidcUser, startOidcProvider } from './devcluster/oidc.js';
import { createDesktopCa } from './devcluster/pki.js';
import { loopbackPortalClient, PORTAL_CLIENT_ID } from './devcluster/portal-client.js';
import { stopOnSignal } from './devcluster/shutdown.js';
import { CRD_DIRS } from './generate/crds.js';
import { INSTALL_HINT, missingTools, SCREEN_TOOLS } from './simulator/screen/tools.js';
import { startSimulator } from './simulator/start.js';

/** What `dev` applies: enough for a pool of running desktops, nothing that needs real storage. */
const EXAMPLES = [
  '00-namespace.yaml',
  'fedora-cloud-init-secret.yaml',
  'template-linux.yaml',
  'pool-automatic-stateless.yaml',
];
const EXAMPLE_NAMESPACE = 'vdi-demo';
/** In the work directory: the local OpenID provider's CA. */
export const OIDC_CA_FILE = 'oidc-ca.pem';
const DEV_PORTAL_PORT = Number(process.env.KUBEVDI_DEV_PORTAL_PORT || 8080);

export interface DevOptions {
  workDir: string;
  log: (line: string) => void;
}

export interface Dev {
  controlPlane: ControlPlane;
  /**
   * The CA (PEM) every desktop's RDP certificate is issued from, beside the control plane's own
   * certificates: what a portal verifies desktops with (`--rdp-ca`).
   */
  desktopCaFile: string;
  /** Whether desktops show a real screen (the programs are installed) or the synthetic picture. */
  realScreens: boolean;
}

export async function runDev({ workDir, log }: DevOptions): Promise<Dev> {
  const binaries = await ensureBinaries(log);
  const kubevirtCrds =
    process.env.KUBEVIRT_CRDS_DIR ||
    (await ensureKubevirtCrds(path.join(cacheRoot(), 'kubevirt-crds', KUBEVIRT_VERSION), log));
  const started = Date.now();
  // The sign-in people use in the portal: a local OpenID provider the API server trusts.
  const oidcClientSecret = randomBytes(24).toString('base64url');
  const provider = await startOidcProvider({
    issuerHost: 'localhost',
    users: DEMO_USERS,
    clients: [loopbackPortalClient(PORTAL_CLIENT_ID, oidcClientSecret)],
  });
  const cp = await startControlPlane({
    workDir,
    crdDirs: [path.join(REPO_ROOT, CRD_DIRS[0] as string), kubevirtCrds],
    oidc: [{ issuer: provider.issuer, caPem: provider.caPem, clientIds: [PORTAL_CLIENT_ID] }],
    log,
  });
  const logs = path.join(workDir, 'logs');
  await mkdir(logs, { recursive: true });
  // For tools (and people) that talk to the provider directly: its certificate authority.
  await writeFile(path.join(workDir, OIDC_CA_FILE), provider.caPem);

  // Real screens when this machine has the programs; the desktops' RDP certificates from a CA of
  // their own, beside the control plane's certificates.
  const missing = await missingTools(SCREEN_TOOLS);
  const desktopCa = await createDesktopCa(path.dirname(cp.caFile));

  // The simulator also plays virt-api: KubeVirt's subresources (start/stop, VNC, userlist) through
  // the API server's aggregation layer, trusting the API server's front-proxy client certificate.
  const simulator = await startSimulator({
    kubeconfig: cp.adminKubeconfig,
    virtApiFrontProxyCa: cp.frontProxy.caFile,
    screens: missing.length === 0 ? 'real' : 'synthetic',
    desktopCaCert: desktopCa.caFile,
    desktopCaKey: desktopCa.caKeyFile,
    logFile: path.join(logs, 'simulator.log'),
    readyTimeoutMs: Number.POSITIVE_INFINITY,
  });
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(cp.adminKubeconfig);
  const operatorLog = pino({ level: 'info' }, pino.destination({ dest: path.join(logs, 'operator.log'), sync: false }));
  // As in production, an operator that loses its lease (say the API server stalled for longer than
  // the renew deadline) stops reconciling; where a Deployment would start a new pod, a fresh
  // operator is started here and takes the lease again.
  const operator = await restartOnLeaseLoss(
    () => startOperator({ kubeconfig, log: operatorLog, leaderElection: { namespace: 'default' } }),
    operatorLog,
  );
  const portalLog = pino({ level: 'info' }, pino.destination({ dest: path.join(logs, 'portal.log'), sync: false }));
  const portalOptions = {
    kubeconfig,
    host: '127.0.0.1',
    namespaces: [EXAMPLE_NAMESPACE],
    // One replica on this machine: a fresh secret per start (sessions end with it).
    sessionSecret: randomBytes(48),
    oidc: {
      issuer: provider.issuer,
      clientId: PORTAL_CLIENT_ID,
      clientSecret: oidcClientSecret,
      caPem: provider.caPem,
    },
    // The RDP gateway reaches a desktop at the address the simulator reports for it (there is no
    // cluster DNS here), and takes only certificates from the desktops' CA.
    rdpUpstream: '{ip}:3389',
    rdpCa: await readFile(desktopCa.caFile, 'utf8'),
    log: portalLog,
  };
  // A stable URL to bookmark when the port is free; any free port otherwise.
  const portal = await startPortal({ ...portalOptions, port: DEV_PORTAL_PORT }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    return startPortal({ ...portalOptions, port: 0 });
  });
  stopOnSignal(async () => {
    await portal.stop();
    await operator.stop();
    await simulator.stop();
    await provider.stop();
  });
  log(`operator and KubeVirt simulator running (logs in ${logs})`);

  await applyManifests(kubeconfig, [
    ...(await yamlFiles(path.join(REPO_ROOT, 'config/admission'))),
    ...(await yamlFiles(path.join(REPO_ROOT, 'config/rbac'))),
  ]);
  await applyManifests(
    kubeconfig,
    EXAMPLES.map((file) => path.join(REPO_ROOT, 'examples', file)),
  );
  log(`applied ${EXAMPLES.map((f) => `examples/${f}`).join(', ')}`);
  await grantDemoRoles(kubeconfig);
  const pool = await waitForPool(kubeconfig, 'callcenter', 60_000);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    [
      `kubevdi dev: ready in ${seconds} s — Kubernetes ${cp.url}, kubevdi.io and KubeVirt ${KUBEVIRT_VERSION} CRDs, operator, simulator`,
      `  pool ${EXAMPLE_NAMESPACE}/callcenter: ${pool}`,
      ...(missing.length === 0
        ? [
            '  desktops show a real screen: an X session starts when someone connects — Connect in the portal',
            `  (remote desktop through the portal; the VNC console from there), or RDP to <its IP>:3389`,
            `  (TLS; certificates issued by ${desktopCa.caFile})`,
          ]
        : [
            `  desktops show a synthetic picture; for a real screen, install ${missing.join(', ')}`,
            `  (${INSTALL_HINT}) and start again`,
          ]),
      '',
      '  Look around in another terminal:',
      `    export KUBECONFIG=${cp.adminKubeconfig}`,
      `    kubectl get kubevdi -n ${EXAMPLE_NAMESPACE}          # templates, pools, claims`,
      `    kubectl get vm -n ${EXAMPLE_NAMESPACE}               # the desktops (VirtualMachines)`,
      `    kubectl scale vdp/callcenter -n ${EXAMPLE_NAMESPACE} --replicas=25`,
      `    kubectl describe vdp/callcenter -n ${EXAMPLE_NAMESPACE}`,
      '',
      `  The portal: ${portal.url}  — sign in as`,
      ...Object.entries(DEMO_USERS).map(
        ([name, user]) => `    ${name.padEnd(6)} password ${user.password.padEnd(10)} ${DEMO_ROLES[name] ?? ''}`,
      ),
      '',
      `  A kubectl of the same release: ${binaries.kubectl}`,
      `  Logs: ${logs}/operator.log, portal.log, simulator.log, kube-apiserver.log`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  return { controlPlane: cp, desktopCaFile: desktopCa.caFile, realScreens: missing.length === 0 };
}

/** People of the local OpenID provider. The example pool lets group `oidc:callcenter` in. */
const DEMO_USERS: Record<string, OidcUser> = {
  ada: { password: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['callcenter'] },
  bob: { password: 'bob', name: 'Bob Kahn', email: 'bob@example.com', groups: ['callcenter'] },
  carol: { password: 'carol', name: 'Carol Shaw', email: 'carol@example.com', groups: ['vdi-admins'] },
};
const DEMO_ROLES: Record<string, string> = {
  ada: 'a call-centre agent (kubevdi:user, entitled to the callcenter pool)',
  bob: 'another agent',
  carol: 'the pool administrator (kubevdi:pool-admin): the Admin Portal at /admin',
};

/** RoleBindings in the example namespace for the demo groups, as a platform team would write them. */
async function grantDemoRoles(kc: KubeConfig): Promise<void> {
  const apply = makeApply(kc, 'kubevdi-dev');
  const bind = (role: string, group: string) =>
    apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${role.replace(':', '-')}-${group}`, namespace: EXAMPLE_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `oidc:${group}` }],
    });
  await bind('kubevdi:user', 'callcenter');
  await bind('kubevdi:pool-admin', 'vdi-admins');
}

/** Polls the example pool until its prestarted desktops are ready: a one-off wait in a CLI, not the operator. */
async function waitForPool(kc: KubeConfig, name: string, timeoutMs: number): Promise<string> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  let summary = 'not ready yet';
  while (Date.now() < deadline) {
    const pool = (await api.getNamespacedCustomObject({
      group: POOLS.group,
      version: POOLS.version,
      plural: POOLS.plural,
      namespace: EXAMPLE_NAMESPACE,
      name,
    })) as {
      spec: { size: number; prestarted: number };
      status?: { desktops?: number; available?: number; conditions?: { type: string; status: string }[] };
    };
    const s = pool.status;
    summary = `${s?.desktops ?? 0} of ${pool.spec.size} desktops, ${s?.available ?? 0} of ${pool.spec.prestarted} prestarted ready`;
    if (s?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) return summary;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return `${summary} (still starting; watch it with kubectl)`;
}
