// The operator process: caches, controllers, leader election, health and metrics, wired once.
// Caches start before the lease is won, so a standby replica takes over with warm caches.
import { hostname } from 'node:os';
import type {
  KubeConfig,
  KubernetesObject,
  V1ControllerRevision,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1PersistentVolumeClaim,
  V1Role,
  V1RoleBinding,
  V1Service,
} from '@kubernetes/client-node';
import type { DesktopClaim } from './api/desktopclaim.js';
import { CLAIMS } from './api/desktopclaim.js';
import { OPERATOR_FIELD_MANAGER, SESSIONS_FIELD_MANAGER, USAGE_FIELD_MANAGER } from './api/field-managers.js';
import {
  CONTROLLER_REVISIONS,
  NETWORK_POLICIES,
  NODES,
  PERSISTENT_VOLUME_CLAIMS,
  ROLE_BINDINGS,
  ROLES,
  SERVICES,
  VIRTUAL_MACHINE_INSTANCES,
  VIRTUAL_MACHINES,
} from './api/kubernetes-kinds.js';
import { LABELS, MANAGED_BY } from './api/labels.js';
import type { VirtualDesktopPool } from './api/virtualdesktoppool.js';
import { POOLS } from './api/virtualdesktoppool.js';
import type { VMTemplate } from './api/vmtemplate.js';
import { VMTEMPLATES } from './api/vmtemplate.js';
import { desktopPlacement, type Instance, type Node } from './controllers/desktop-placement.js';
import { DesktopUsage } from './controllers/desktop-usage.js';
import { claimController } from './controllers/desktopclaim.js';
import { makeUserListReader } from './controllers/guest-agent.js';
import { profileDiskController } from './controllers/profile-disk-controller.js';
import { makeReferenceChecker } from './controllers/references.js';
import { sessionController } from './controllers/sessions.js';
import { BY_POOL, poolController } from './controllers/virtualdesktoppool.js';
import { BY_TEMPLATE, templateController } from './controllers/vmtemplate.js';
import { makeOperatorActions } from './operator-actions.js';
import type { VirtualMachine } from './render/kubevirt.js';
import { PROFILE_OF_LABEL } from './render/profile-disk.js';
import { makeApply } from './runtime/apply.js';
import type { Clock } from './runtime/clock.js';
import type { Controller } from './runtime/controller.js';
import { EventRecorder } from './runtime/events.js';
import { type HealthServer, startHealthServer } from './runtime/health.js';
import { Informer } from './runtime/informer.js';
import { LeaderElector } from './runtime/leaderelection.js';
import type { Logger } from './runtime/log.js';
import { Metrics } from './runtime/metrics.js';
import { RateLimiter } from './runtime/ratelimiter.js';
import { makeStatusWriter } from './runtime/status.js';

/** `status.session` of claims: written by the session controller, beside the claim controller's status. */

/** How often the logged-on users of a bound, running desktop are read (virt-launcher refreshes them every 10 s). */
export const DEFAULT_SESSION_POLL_INTERVAL_MS = 30_000;
/** Userlist reads per second, all desktops together: 10/s covers 300 sessions at the default interval. */
export const DEFAULT_SESSION_POLL_QPS = 10;

export interface OperatorOptions {
  kubeconfig: KubeConfig;
  log: Logger;
  /** Watch and manage one namespace only; all namespaces when empty. */
  namespace?: string;
  /** Leader election; off only for a single replica that knows it is alone. */
  leaderElection?: {
    namespace: string;
    name?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** Where /healthz, /readyz and /metrics listen; port 0 picks a free one. */
  health?: { host: string; port: number };
  workers?: number;
  /** Session tracking: how often each bound, running desktop's users are read, and at most how many reads per second. */
  sessions?: { pollIntervalMs?: number; qps?: number };
  /** The clock session policies and capacity schedules are decided by; the system's unless a test moves it. */
  clock?: Clock;
  /**
   * Who may reach the RDP port of desktops of pools with rdp.enabled (the portal, and networks an
   * administrator names): each such pool gets a NetworkPolicy allowing only them. Undefined: no
   * policies (RDP is as reachable as the cluster's network makes it).
   */
  rdpAllowedFrom?: V1NetworkPolicyPeer[];
}

export interface RunningOperator {
  metrics: Metrics;
  health?: HealthServer;
  /** Resolves when the lease is lost (the process should exit: another replica leads now). */
  lost: Promise<void>;
  /** Resolves once this replica leads and its controllers run. */
  leading: Promise<void>;
  /** Drains the queues, gives the lease up and stops the caches. */
  stop(): Promise<void>;
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { kubeconfig: kc, log } = options;
  const metrics = new Metrics();
  const scope = { namespace: options.namespace, metrics, log };

  const caches = makeCaches(kc, scope);
  const {
    templates,
    pools,
    revisions,
    desktops,
    claims,
    roles,
    roleBindings,
    services,
    networkPolicies,
    profileDisks,
  } = caches;
  const placement = { instances: caches.instances, nodes: caches.nodes };
  const where = desktopPlacement(placement.instances, placement.nodes);
  const informers = Object.values(caches);

  const apply = makeApply(kc, OPERATOR_FIELD_MANAGER, metrics);
  const writeStatus = makeStatusWriter(kc, OPERATOR_FIELD_MANAGER, metrics);
  const recorder = new EventRecorder(kc, log, metrics);
  const actions = makeOperatorActions(kc, metrics);
  // What every controller reads and writes through.
  const shared = { templates, pools, revisions, desktops, apply, writeStatus, recorder, actions, metrics, log };
  const controllers: Controller[] = [
    templateController({ ...shared, checkReferences: makeReferenceChecker(kc, metrics) }),
    poolController({
      ...shared,
      claims,
      roleBindings,
      services,
      networkPolicies,
      rdpAllowedFrom: options.rdpAllowedFrom,
      clock: options.clock,
      placement: { ...placement, where },
    }),
    claimController({
      ...shared,
      claims,
      roles,
      roleBindings,
      clock: options.clock,
      placement: { ...placement, where },
    }),
    profileDiskController({ ...shared, claims, profileDisks, clock: options.clock }),
    sessionController({
      claims,
      desktops,
      readUserList: makeUserListReader(kc, metrics),
      limiter: new RateLimiter(options.sessions?.qps ?? DEFAULT_SESSION_POLL_QPS),
      writeStatus: makeStatusWriter(kc, SESSIONS_FIELD_MANAGER, metrics),
      patchClaim: actions.patchClaim,
      recorder,
      metrics,
      log,
      pollIntervalMs: options.sessions?.pollIntervalMs ?? DEFAULT_SESSION_POLL_INTERVAL_MS,
      clock: options.clock,
    }),
  ];
  // The leader's count of desktop-seconds and people's waits (metrics and each pool's status.usage).
  const usage = new DesktopUsage({
    desktops,
    pools,
    claims,
    metrics,
    writeStatus: makeStatusWriter(kc, USAGE_FIELD_MANAGER, metrics),
    log,
    clock: options.clock,
  });

  // A test clock that jumps: every deadline and schedule is looked at again now.
  options.clock?.onJump?.(() => {
    for (const controller of controllers) controller.resync();
  });

  let synced = false;
  const health = options.health
    ? await startHealthServer({ ...options.health, metrics, healthy: () => true, ready: () => synced })
    : undefined;
  await Promise.all(informers.map((i) => i.start()));
  synced = true;
  log.info({ namespace: options.namespace ?? '(all)' }, 'caches synced');

  const elector = options.leaderElection
    ? new LeaderElector(kc, {
        name: 'kubevdi-operator',
        ...options.leaderElection,
        identity: `${hostname()}-${process.pid}`,
        metrics,
        log,
      })
    : undefined;
  let onLost: () => void = () => {};
  const lost = new Promise<void>((resolve) => {
    onLost = resolve;
  });
  elector?.onLost(() => {
    log.error('lost the leader lease; another replica leads now');
    onLost();
  });

  const abort = new AbortController();
  const leading = (async () => {
    await elector?.acquire(abort.signal);
    if (abort.signal.aborted) return;
    if (elector) log.info('leading');
    else metrics.leader.set(1); // alone by choice: it leads all the same
    for (const controller of controllers) controller.start();
    usage.start();
  })();
  leading.catch(() => {}); // an abort during acquire is a normal stop

  return {
    metrics,
    health,
    lost,
    leading,
    async stop() {
      abort.abort();
      await Promise.all(controllers.map((c) => c.stop()));
      await usage.stop();
      await elector?.release();
      for (const informer of informers) informer.stop();
      await health?.close();
    },
  };
}

/**
 * The caches the controllers read, with the indexes they look things up by: kubevdi's own kinds
 * (all of them, in scope), and of the rest only what kubevdi made (its managed-by label).
 */
function makeCaches(kc: KubeConfig, scope: { namespace?: string; metrics: Metrics; log: Logger }) {
  const ours = { ...scope, labelSelector: `${LABELS.managedBy}=${MANAGED_BY}` };
  const templates = new Informer<VMTemplate & KubernetesObject>(kc, VMTEMPLATES, scope);
  const pools = new Informer<VirtualDesktopPool & KubernetesObject>(kc, POOLS, scope);
  const revisions = new Informer<V1ControllerRevision>(kc, CONTROLLER_REVISIONS, ours);
  const desktops = new Informer<VirtualMachine>(kc, VIRTUAL_MACHINES, ours);
  const claims = new Informer<DesktopClaim & KubernetesObject>(kc, CLAIMS, scope);
  const roles = new Informer<V1Role>(kc, ROLES, ours);
  const roleBindings = new Informer<V1RoleBinding>(kc, ROLE_BINDINGS, ours);
  const services = new Informer<V1Service>(kc, SERVICES, ours);
  const networkPolicies = new Informer<V1NetworkPolicy>(kc, NETWORK_POLICIES, ours);
  // Where desktops run: their instances (labelled as their VirtualMachines), and every node
  // (cluster-scoped, whatever namespace the operator watches), for maintenance.
  const instances = new Informer<Instance>(kc, VIRTUAL_MACHINE_INSTANCES, ours);
  const nodes = new Informer<Node>(kc, NODES, { metrics: scope.metrics, log: scope.log });
  // Only profile disks: of the namespace's PVCs, those kubevdi made for a person.
  const profileDisks = new Informer<V1PersistentVolumeClaim>(kc, PERSISTENT_VOLUME_CLAIMS, {
    ...scope,
    labelSelector: `${LABELS.managedBy}=${MANAGED_BY},${PROFILE_OF_LABEL}`,
  });
  claims.addIndex(BY_POOL, (c) => [`${c.metadata?.namespace}/${c.spec.poolRef.name}`]);
  const byLabel = (label: string) => (obj: KubernetesObject) => {
    const value = obj.metadata?.labels?.[label];
    return value ? [`${obj.metadata?.namespace}/${value}`] : [];
  };
  revisions.addIndex(BY_TEMPLATE, byLabel(LABELS.template));
  desktops.addIndex(BY_TEMPLATE, byLabel(LABELS.template));
  desktops.addIndex(BY_POOL, byLabel(LABELS.pool));
  services.addIndex(BY_POOL, byLabel(LABELS.pool));
  profileDisks.addIndex(BY_POOL, byLabel(LABELS.pool));
  return {
    templates,
    pools,
    revisions,
    desktops,
    claims,
    roles,
    roleBindings,
    services,
    networkPolicies,
    instances,
    nodes,
    profileDisks,
  };
}
