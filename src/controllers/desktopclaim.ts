// DesktopClaim controller: a user's logon and logoff. Keyed by *pool*, so all claims of one pool
// are decided together and never by two workers at once; the binding itself is a patch of the
// desktop with a resourceVersion precondition, so a plan made from a stale cache (or by a replica
// that lost its lease a moment ago) fails with 409 instead of binding a desktop twice.
// Reconcile reads top to bottom: finalizers → releases → plan → bind → grants → status.
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import type { DesktopClaim, DesktopClaimStatus } from '../api/desktopclaim.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import { grantName, renderGrantBinding, renderGrantRole } from '../render/grants.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { LABELS } from '../render/labels.js';
import { parseDesktopIndex } from '../render/names.js';
import { CLAIMS } from '../resources.js';
import type { Apply } from '../runtime/apply.js';
import { type ConditionInput, setConditions } from '../runtime/conditions.js';
import { Controller, type Key, ownerKey, splitKey } from '../runtime/controller.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import { inParallel } from '../runtime/parallel.js';
import type { WriteStatus } from '../runtime/status.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import { CLAIM_ANNOTATION, CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION, RELEASE_FINALIZER } from './annotations.js';
import { type ClaimDecision, type ClaimState, planClaims, type SeatState } from './claim-plan.js';
import { BY_POOL } from './virtualdesktoppool.js';

type Desktop = VirtualMachine & KubernetesObject;

/** The operations on other objects the claim controller needs; each is one API call. */
export interface ClaimActions {
  /** JSON merge patch guarded by the resourceVersion in `body.metadata`. */
  patchDesktop(namespace: string, name: string, body: object): Promise<void>;
  /** With the resourceVersion the decision was made on: a changed desktop is not deleted. */
  deleteDesktop(namespace: string, name: string, resourceVersion?: string): Promise<void>;
  patchClaim(namespace: string, name: string, body: object): Promise<void>;
  deleteGrant(namespace: string, name: string): Promise<void>;
}

export interface ClaimControllerDeps {
  claims: Informer<DesktopClaim & KubernetesObject>;
  pools: Informer<VirtualDesktopPool & KubernetesObject>;
  desktops: Informer<Desktop>;
  actions: ClaimActions;
  apply: Apply;
  writeStatus: WriteStatus;
  recorder: Recorder;
  metrics: Metrics;
  log: Logger;
}

export function claimController(deps: ClaimControllerDeps): Controller {
  // Binds made in this process that the cache may not show yet: claim uid → desktop name.
  const pending = new Map<string, string>();
  return new Controller({ name: 'desktopclaim', metrics: deps.metrics, log: deps.log }, (key, log) =>
    reconcile(deps, pending, key, log),
  )
    .watches(deps.pools, (p) => [`${p.metadata?.namespace}/${p.metadata?.name}`])
    .watches(deps.claims, (c) => [`${c.metadata?.namespace}/${c.spec.poolRef.name}`])
    .watches(deps.desktops, ownerKey('VirtualDesktopPool'));
}

async function reconcile(
  deps: ClaimControllerDeps,
  pending: Map<string, string>,
  key: Key,
  log: Logger,
): Promise<ReconcileResult | undefined> {
  const { namespace, name: poolName } = splitKey(key);
  const claims = deps.claims
    .byIndex(BY_POOL, key)
    .sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  if (claims.length === 0) return;
  const pool = deps.pools.get(namespace, poolName);
  const desktops = deps.desktops.byIndex(BY_POOL, key);

  await ensureFinalizers(deps, claims);
  for (const claim of claims.filter((c) => c.metadata?.deletionTimestamp)) {
    await release(deps, pool, claim, desktops, log);
    pending.delete(claim.metadata?.uid as string);
  }
  if (!pool) {
    for (const claim of claims) {
      await writeClaimStatus(deps, claim, undefined, {
        kind: 'pending',
        reason: 'PoolNotFound',
        message: `VirtualDesktopPool ${namespace}/${poolName} does not exist`,
      });
    }
    return;
  }

  // desktop name → claim uid, for binds the cache does not show yet
  const pendingByDesktop = new Map([...pending].map(([uid, desktop]) => [desktop, uid]));
  const seats = desktops.flatMap((d) => seat(poolName, pool, d, pendingByDesktop));
  const decisions = planClaims({
    claims: claims.map(claimState),
    desktops: seats,
    maxDesktopsPerUser: pool.spec.maxDesktopsPerUser,
  });
  let conflicts = 0;
  // Binds run one by one (each may conflict and change what is free); grants and statuses after, in parallel.
  const statuses: (() => Promise<void>)[] = [];
  for (const decision of decisions) {
    const claim = claims.find((c) => c.metadata?.name === decision.claim) as DesktopClaim & KubernetesObject;
    if (decision.kind === 'bind') {
      const desktop = desktops.find((d) => d.metadata?.name === decision.desktop) as Desktop;
      if (!(await bind(deps, claim, desktop))) {
        conflicts++;
        continue;
      }
      pending.set(claim.metadata?.uid as string, decision.desktop);
      deps.recorder.record(
        claim,
        'Normal',
        'DesktopBound',
        `Desktop ${decision.desktop} is bound to ${claim.spec.user}`,
      );
      log.info({ claim: decision.claim, desktop: decision.desktop, user: claim.spec.user }, 'bound');
    }
    const desktop = 'desktop' in decision ? desktops.find((d) => d.metadata?.name === decision.desktop) : undefined;
    statuses.push(async () => {
      if (decision.kind !== 'pending') await ensureGrant(deps, claim, decision.desktop);
      await writeClaimStatus(deps, claim, desktop, decision);
    });
  }
  await inParallel(statuses, (write) => write());
  forgetSettled(pending, desktops);
  // Someone changed a desktop between our read and our write: decide again with fresh data.
  return conflicts ? { requeueAfterMs: 100 } : undefined;
}

function created(obj: KubernetesObject): number {
  return Date.parse(String(obj.metadata?.creationTimestamp ?? '')) || 0;
}

function claimState(claim: DesktopClaim & KubernetesObject): ClaimState {
  return {
    name: claim.metadata?.name as string,
    uid: claim.metadata?.uid as string,
    user: claim.spec.user,
    deleting: Boolean(claim.metadata?.deletionTimestamp),
  };
}

function seat(
  poolName: string,
  pool: VirtualDesktopPool,
  vm: Desktop,
  pendingByDesktop: Map<string, string>,
): SeatState[] {
  const name = vm.metadata?.name as string;
  const index = parseDesktopIndex(poolName, name);
  if (index === undefined) return [];
  const annotations = vm.metadata?.annotations ?? {};
  return [
    {
      name,
      index,
      holder: annotations[HOLDER_ANNOTATION],
      claimUid: annotations[CLAIM_UID_ANNOTATION] ?? pendingByDesktop.get(name),
      ready: vm.status?.ready === true,
      running: vm.spec?.runStrategy === 'Always',
      onTargetRevision: Number(vm.metadata?.labels?.[LABELS.templateRevision]) === pool.status?.templateRevision,
      unusable: Boolean(vm.metadata?.deletionTimestamp),
    },
  ];
}

/** The finalizer first, so no claim can be deleted before its desktop is given back. */
async function ensureFinalizers(
  deps: ClaimControllerDeps,
  claims: readonly (DesktopClaim & KubernetesObject)[],
): Promise<void> {
  const missing = claims.filter(
    (c) => !c.metadata?.deletionTimestamp && !c.metadata?.finalizers?.includes(RELEASE_FINALIZER),
  );
  await inParallel(missing, (claim) =>
    deps.actions.patchClaim(claim.metadata?.namespace as string, claim.metadata?.name as string, {
      metadata: {
        resourceVersion: claim.metadata?.resourceVersion,
        finalizers: [...(claim.metadata?.finalizers ?? []), RELEASE_FINALIZER],
      },
    }),
  );
}

/** Takes a desktop for a claim, or returns false when the desktop changed since we looked. */
async function bind(
  deps: ClaimControllerDeps,
  claim: DesktopClaim & KubernetesObject,
  desktop: Desktop,
): Promise<boolean> {
  try {
    await deps.actions.patchDesktop(desktop.metadata?.namespace as string, desktop.metadata?.name as string, {
      metadata: {
        resourceVersion: desktop.metadata?.resourceVersion,
        annotations: {
          [HOLDER_ANNOTATION]: claim.spec.user,
          [CLAIM_ANNOTATION]: claim.metadata?.name,
          [CLAIM_UID_ANNOTATION]: claim.metadata?.uid,
        },
      },
      // Start it if it is halted: a logon wants a running desktop.
      spec: { runStrategy: 'Always' },
    });
    return true;
  } catch (err) {
    if (err instanceof ApiException && (err.code === 409 || err.code === 404)) return false;
    throw err;
  }
}

async function ensureGrant(
  deps: ClaimControllerDeps,
  claim: DesktopClaim & KubernetesObject,
  desktop: string,
): Promise<void> {
  // Applied until the claim's status says Bound to this desktop; from then on the grant exists.
  if (claim.status?.phase === 'Bound' && claim.status.desktop?.name === desktop) return;
  const input = {
    claim: {
      name: claim.metadata?.name as string,
      namespace: claim.metadata?.namespace as string,
      uid: claim.metadata?.uid as string,
    },
    user: claim.spec.user,
    desktop,
  };
  await deps.apply(renderGrantRole(input));
  await deps.apply(renderGrantBinding(input));
}

/**
 * Logoff: the grant goes at once; an Automatic pool takes the desktop back (a Stateless one
 * deletes it, so the pool makes it anew with a fresh disk before anyone else can have it); a
 * Manual pool keeps it for the same user. Only then does the finalizer go.
 */
async function release(
  deps: ClaimControllerDeps,
  pool: VirtualDesktopPool | undefined,
  claim: DesktopClaim & KubernetesObject,
  desktops: readonly Desktop[],
  log: Logger,
): Promise<void> {
  const namespace = claim.metadata?.namespace as string;
  const name = claim.metadata?.name as string;
  if (!claim.metadata?.finalizers?.includes(RELEASE_FINALIZER)) return;
  await deps.actions.deleteGrant(namespace, grantName(name));
  const desktop = desktops.find((d) => d.metadata?.annotations?.[CLAIM_UID_ANNOTATION] === claim.metadata?.uid);
  if (desktop && pool) {
    const desktopName = desktop.metadata?.name as string;
    if (pool.spec.assignment === 'Automatic' && pool.spec.persistence === 'Stateless') {
      // Unconditional: it is this claim's desktop, and it must not outlive the logoff with its disk.
      await deps.actions.deleteDesktop(namespace, desktopName);
    } else {
      const keepHolder = pool.spec.assignment === 'Manual';
      await deps.actions.patchDesktop(namespace, desktopName, {
        metadata: {
          resourceVersion: desktop.metadata?.resourceVersion,
          annotations: {
            [HOLDER_ANNOTATION]: keepHolder ? claim.spec.user : null,
            [CLAIM_ANNOTATION]: null,
            [CLAIM_UID_ANNOTATION]: null,
          },
        },
      });
    }
    deps.recorder.record(claim, 'Normal', 'DesktopReleased', `Desktop ${desktopName} was released`);
    log.info({ claim: name, desktop: desktopName }, 'released');
  }
  await deps.actions.patchClaim(namespace, name, {
    metadata: {
      resourceVersion: claim.metadata?.resourceVersion,
      finalizers: claim.metadata?.finalizers?.filter((f) => f !== RELEASE_FINALIZER),
    },
  });
}

function forgetSettled(pending: Map<string, string>, desktops: readonly Desktop[]): void {
  for (const [uid, desktopName] of pending) {
    const vm = desktops.find((d) => d.metadata?.name === desktopName);
    if (!vm || vm.metadata?.annotations?.[CLAIM_UID_ANNOTATION] === uid) pending.delete(uid);
  }
}

type StatusDecision = ClaimDecision | { kind: 'pending'; reason: string; message: string };

async function writeClaimStatus(
  deps: ClaimControllerDeps,
  claim: DesktopClaim & KubernetesObject,
  desktop: Desktop | undefined,
  decision: StatusDecision,
): Promise<void> {
  const generation = claim.metadata?.generation;
  const namespace = claim.metadata?.namespace as string;
  let status: DesktopClaimStatus;
  if (decision.kind === 'pending') {
    const bound: ConditionInput = {
      type: 'Bound',
      status: 'False',
      reason: decision.reason,
      message: decision.message,
    };
    status = {
      observedGeneration: generation,
      phase: 'Pending',
      conditions: setConditions(claim.status?.conditions, [bound], generation),
    };
    if (claim.status?.conditions?.find((c) => c.type === 'Bound')?.reason !== decision.reason) {
      deps.recorder.record(claim, 'Warning', decision.reason, decision.message);
    }
  } else {
    const name = decision.desktop;
    const ready = desktop?.status?.ready === true;
    const conditions: ConditionInput[] = [
      {
        type: 'Bound',
        status: 'True',
        reason: 'DesktopBound',
        message: `desktop ${name} is bound to ${claim.spec.user}`,
      },
      ready
        ? { type: 'Ready', status: 'True', reason: 'DesktopReady', message: `desktop ${name} is running and ready` }
        : {
            type: 'Ready',
            status: 'False',
            reason: 'DesktopStarting',
            message: `desktop ${name} is ${desktop?.status?.printableStatus ?? 'starting'}`,
          },
    ];
    status = {
      observedGeneration: generation,
      phase: 'Bound',
      desktop: { name, ready },
      boundTime:
        claim.status?.desktop?.name === name
          ? claim.status.boundTime
          : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      connection: {
        vncPath: `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${name}/vnc`,
      },
      conditions: setConditions(claim.status?.conditions, conditions, generation),
    };
  }
  await deps.writeStatus(CLAIMS, claim, status);
}
