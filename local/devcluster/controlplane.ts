// A real Kubernetes control plane for tests and `kubevdi dev`: etcd, kube-apiserver and
// kube-controller-manager as local processes (the envtest approach: no nodes, no kubelet),
// with certificates, users and kubeconfigs generated per start.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type ManagedProcess, ProcessError } from '../process.js';
import { apiServerSpec, SERVING_HOSTS, waitForReadyz } from './apiserver.js';
import { type OidcTrust, writeAuthenticationConfiguration } from './authentication.js';
import { type ControlPlaneBinaries, ensureBinaries } from './binaries.js';
import { controllerManagerSpec, waitForControllers } from './controllermanager.js';
import { installCrds, readCrds } from './crds.js';
import { etcdClientUrl, prepareEtcd, waitForEtcd } from './etcd.js';
import type { TlsClient } from './http.js';
import { writeKubeconfig } from './kubeconfig.js';
import { OrphanGuard } from './orphanguard.js';
import { ADMIN_USER, createPki, type Pki } from './pki.js';
import { freeLoopbackPorts, isAddressInUse } from './ports.js';
import { ProcessGroup } from './process-group.js';
import { stopOnSignal } from './shutdown.js';
import { allOrNothing } from './wait.js';

export interface ControlPlaneOptions {
  /** Directories of CRD YAML files to install (each file may hold several docs); waits until Established AND served by discovery. */
  crdDirs?: string[];
  /** Where to put certs, kubeconfigs, etcd data; default a fresh mkdtemp under os.tmpdir(). */
  workDir?: string;
  /** Named test users besides the admin: name -> groups. */
  users?: Record<string, string[]>;
  /**
   * OpenID Connect issuers whose ID tokens the API server accepts (users `oidc:<email>`, groups
   * `oidc:<group>`). The issuer must be listening already or soon: the API server starts without
   * it and retries its discovery document every few seconds.
   */
  oidc?: OidcTrust[];
  log?: (line: string) => void;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  url: string;
  workDir: string;
  /** Path of the admin's kubeconfig; the admin is in system:masters. */
  adminKubeconfig: string;
  /** Path of that user's kubeconfig; throws for a user not named in `options.users`. */
  kubeconfigFor(user: string): string;
  caFile: string;
  /** For aggregated API servers: whom to trust for X-Remote-* headers, and the client the API server uses. */
  frontProxy: { caFile: string; clientCertFile: string; clientKeyFile: string };
  /** Idempotent. Stops the controller manager, the API server, then etcd; removes workDir if we created it. */
  stop(): Promise<void>;
  /**
   * Resolves when the control plane is no longer whole: after stop(), or when one of its servers
   * exits on its own (then it says which, and stops the others).
   */
  readonly ended: Promise<string>;
  /**
   * Stops one server (SIGTERM, or SIGKILL as a crash) and starts it again on the same port with
   * the same data, for fault tests; resolves once it serves again. The control plane stays whole.
   */
  restart(server: 'etcd' | 'kube-apiserver', signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

const TIMEOUTS = { etcdMs: 30_000, apiServerMs: 60_000, controllersMs: 60_000, crdsMs: 60_000 };
/** Ports are picked free but taken only when the servers bind them; another process may win. */
const MAX_ATTEMPTS = 3;

type Log = (line: string) => void;

interface Layout {
  pki: string;
  etcdData: string;
  logs: string;
  authenticationConfig: string;
  kubeconfigs: string;
  userKubeconfigs: string;
  adminKubeconfig: string;
  controllerManagerKubeconfig: string;
  userKubeconfig(user: string): string;
}

function layout(workDir: string): Layout {
  const kubeconfigs = path.join(workDir, 'kubeconfigs');
  const userKubeconfigs = path.join(kubeconfigs, 'users');
  return {
    pki: path.join(workDir, 'pki'),
    etcdData: path.join(workDir, 'etcd'),
    logs: path.join(workDir, 'logs'),
    authenticationConfig: path.join(workDir, 'authentication-config.yaml'),
    kubeconfigs,
    userKubeconfigs,
    adminKubeconfig: path.join(kubeconfigs, 'admin.kubeconfig'),
    controllerManagerKubeconfig: path.join(kubeconfigs, 'kube-controller-manager.kubeconfig'),
    // Encoded: user names may hold characters a file name can't (`/`).
    userKubeconfig: (user) => path.join(userKubeconfigs, `${encodeURIComponent(user)}.kubeconfig`),
  };
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log: Log = options.log ?? (() => {});
  const users = options.users ?? {};
  validateUsers(users);
  const binaries = await ensureBinaries(log);
  const began = Date.now();

  const ownsWorkDir = !options.workDir;
  const workDir = options.workDir
    ? path.resolve(options.workDir)
    : await mkdtemp(path.join(tmpdir(), 'kubevdi-devcluster-'));
  const paths = layout(workDir);
  let guard: OrphanGuard | undefined;
  try {
    guard = await OrphanGuard.start();
    if (ownsWorkDir) guard.removeOnOrphan(workDir);
    await mkdir(paths.logs, { recursive: true });
    await mkdir(paths.userKubeconfigs, { recursive: true, mode: 0o700 });
    // CRDs are read before anything runs: a broken file should not cost a control-plane start.
    const [pki, crds] = await Promise.all([
      createPki(paths.pki, { servingHosts: SERVING_HOSTS, users }),
      readCrds(options.crdDirs ?? [], log),
      options.oidc?.length ? writeAuthenticationConfiguration(paths.authenticationConfig, options.oidc) : undefined,
    ]);
    const authenticationConfigFile = options.oidc?.length ? paths.authenticationConfig : undefined;
    const admin: TlsClient = { ca: pki.caPem, cert: pki.admin.certPem, key: pki.admin.keyPem };

    for (let attempt = 1; ; attempt++) {
      const processes = new ProcessGroup(guard);
      try {
        const { url, etcdUrl, controllerManager } = await bringUp({
          binaries,
          paths,
          pki,
          admin,
          authenticationConfigFile,
          processes,
          log,
        });
        const kubeconfig = new KubeConfig();
        kubeconfig.loadFromFile(paths.adminKubeconfig);
        await allOrNothing([
          (signal) => waitForControllers(url, admin, controllerManager, TIMEOUTS.controllersMs, signal),
          (signal) => installCrds(crds, { kubeconfig, url, tls: admin, log, timeoutMs: TIMEOUTS.crdsMs, signal }),
        ]);
        log(`control plane ready at ${url} in ${((Date.now() - began) / 1000).toFixed(1)} s (work dir ${workDir})`);
        return running({ url, etcdUrl, admin, workDir, ownsWorkDir, paths, pki, users, processes, guard });
      } catch (err) {
        await processes.stopAll();
        if (attempt < MAX_ATTEMPTS && err instanceof ProcessError && isAddressInUse(err.logTail)) {
          log(`a port was taken by someone else meanwhile; starting again (attempt ${attempt + 1})`);
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    guard?.release();
    if (ownsWorkDir) {
      // Keep only the logs the error points to; keys and etcd data go.
      await Promise.all(
        [paths.pki, paths.etcdData, paths.kubeconfigs].map((dir) => rm(dir, { recursive: true, force: true })),
      );
      log(`start failed; logs kept in ${paths.logs}`);
    }
    throw err;
  }
}

interface BringUp {
  binaries: ControlPlaneBinaries;
  paths: Layout;
  pki: Pki;
  admin: TlsClient;
  authenticationConfigFile: string | undefined;
  processes: ProcessGroup;
  log: Log;
}

/** etcd, then the API server until /readyz, then the controller manager (not yet waited for). */
async function bringUp({
  binaries,
  paths,
  pki,
  admin,
  authenticationConfigFile,
  processes,
  log,
}: BringUp): Promise<{ url: string; etcdUrl: string; controllerManager: ManagedProcess }> {
  const began = Date.now();
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
  const [etcdClientPort, etcdPeerPort, apiServerPort] = (await freeLoopbackPorts(3)) as [number, number, number];
  const url = `https://127.0.0.1:${apiServerPort}`;

  const etcdOptions = {
    binary: binaries.etcd,
    dataDir: paths.etcdData,
    clientPort: etcdClientPort,
    peerPort: etcdPeerPort,
    logFile: path.join(paths.logs, 'etcd.log'),
  };
  const etcd = await processes.start(await prepareEtcd(etcdOptions));
  // Kubeconfigs name the port, so they are written per attempt, while etcd starts.
  await writeKubeconfigs(url, paths, pki);
  await waitForEtcd(etcdClientUrl(etcdOptions), etcd, TIMEOUTS.etcdMs);
  log(`etcd ready on 127.0.0.1:${etcdClientPort} after ${elapsed()}`);

  const apiServer = await processes.start(
    apiServerSpec({
      binary: binaries.kubeApiserver,
      port: apiServerPort,
      etcdUrl: etcdClientUrl(etcdOptions),
      pki,
      logFile: path.join(paths.logs, 'kube-apiserver.log'),
      authenticationConfigFile,
    }),
  );
  await waitForReadyz(url, admin, apiServer, TIMEOUTS.apiServerMs);
  log(`kube-apiserver ready at ${url} after ${elapsed()}`);

  // Started after /readyz: it gives up if the API server does not answer within seconds.
  const controllerManager = await processes.start(
    controllerManagerSpec({
      binary: binaries.kubeControllerManager,
      kubeconfig: paths.controllerManagerKubeconfig,
      caFile: pki.caFile,
      serviceAccountKeyFile: pki.serviceAccount.privateKeyFile,
      logFile: path.join(paths.logs, 'kube-controller-manager.log'),
    }),
  );
  return { url, etcdUrl: etcdClientUrl(etcdOptions), controllerManager };
}

async function writeKubeconfigs(url: string, paths: Layout, pki: Pki): Promise<void> {
  const base = { server: url, caPem: pki.caPem };
  await Promise.all([
    writeKubeconfig(paths.adminKubeconfig, { ...base, user: ADMIN_USER, credentials: pki.admin }),
    writeKubeconfig(paths.controllerManagerKubeconfig, {
      ...base,
      user: 'kube-controller-manager',
      credentials: pki.controllerManager,
    }),
    ...[...pki.users].map(([user, credentials]) =>
      writeKubeconfig(paths.userKubeconfig(user), { ...base, user, credentials }),
    ),
  ]);
}

interface Running {
  url: string;
  etcdUrl: string;
  admin: TlsClient;
  workDir: string;
  ownsWorkDir: boolean;
  paths: Layout;
  pki: Pki;
  users: Record<string, string[]>;
  processes: ProcessGroup;
  guard: OrphanGuard;
}

function running({
  url,
  etcdUrl,
  admin,
  workDir,
  ownsWorkDir,
  paths,
  pki,
  users,
  processes,
  guard,
}: Running): ControlPlane {
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      unregister();
      await processes.stopAll();
      guard.release();
      if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  const unregister = stopOnSignal(stop);
  // stop() marks `stopped` before any server gets its signal, so an exit we did not cause is
  // one that happens while `stopped` is still unset.
  const ended = processes.firstExit().then(async (why) => {
    const ours = stopped !== undefined;
    await stop();
    return ours ? 'stopped' : why;
  });
  return {
    url,
    workDir,
    adminKubeconfig: paths.adminKubeconfig,
    kubeconfigFor(user: string): string {
      if (!Object.hasOwn(users, user)) {
        const known = Object.keys(users).join(', ') || 'none';
        throw new Error(
          `no test user "${user}" in this control plane (users: ${known}; the admin's is adminKubeconfig)`,
        );
      }
      return paths.userKubeconfig(user);
    },
    caFile: pki.caFile,
    frontProxy: { ...pki.frontProxy },
    stop,
    ended,
    async restart(server, signal = 'SIGTERM') {
      const fresh = await processes.restart(server, signal);
      if (server === 'etcd') await waitForEtcd(etcdUrl, fresh, TIMEOUTS.etcdMs);
      else await waitForReadyz(url, admin, fresh, TIMEOUTS.apiServerMs);
    },
  };
}

function validateUsers(users: Record<string, string[]>): void {
  for (const [name, groups] of Object.entries(users)) {
    if (!name.trim()) throw new Error('test user names must not be empty');
    if (name === ADMIN_USER) throw new Error(`"${ADMIN_USER}" is the admin's name; choose another test user name`);
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || !g)) {
      throw new Error(`groups of test user "${name}" must be a list of non-empty strings`);
    }
  }
}
