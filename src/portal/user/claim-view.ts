// The person's view of a claim, as the API sends it to the page: the claim's own status (progress,
// session, the pending session-policy action), and what the portal read beside it as the person —
// their desktop's state, the kind of pool it came from and what their grant lets them do. Pure.
import type { V1ResourceRule } from '@kubernetes/client-node';
import type { Claim, PoolKind } from '../api-types.js';
import type { ClaimObject, PoolObject, VmObject } from '../kube-objects.js';
import { desktopPermissions } from '../rules.js';

/** What the portal read beside the claim, as the person; each part is left out when it could not be read. */
export interface ClaimContext {
  /** The person's rules in the claim's namespace (SelfSubjectRulesReview). */
  rules?: readonly V1ResourceRule[];
  pool?: PoolObject;
  /** The claim's desktop, when it has one and the person may read it. */
  vm?: VmObject;
}

export function toClaim(c: ClaimObject, context: ClaimContext = {}): Claim {
  const status = c.status ?? {};
  const desktop = status.desktop;
  const session = status.session;
  const vmMatches = desktop && context.vm?.metadata?.name === desktop.name;
  const state = vmMatches ? context.vm?.status?.printableStatus : undefined;
  const kind = poolKind(context.pool);
  return {
    namespace: c.metadata?.namespace as string,
    name: c.metadata?.name as string,
    pool: c.spec?.poolRef?.name ?? '',
    user: c.spec?.user ?? '',
    ...(status.phase ? { phase: status.phase } : {}),
    ...(desktop ? { desktop: { name: desktop.name, ready: desktop.ready, ...(state ? { state } : {}) } } : {}),
    ...(c.metadata?.creationTimestamp ? { createdAt: new Date(c.metadata.creationTimestamp).toISOString() } : {}),
    ...(c.metadata?.deletionTimestamp ? { deleting: true } : {}),
    conditions: (status.conditions ?? []).map(({ type, status, reason, message }) => ({
      type,
      status,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    })),
    ...(session
      ? {
          session: {
            loggedInUsers: (session.loggedInUsers ?? []).map(({ userName, domain, loginTime }) => ({
              userName,
              ...(domain ? { domain } : {}),
              ...(loginTime ? { loginTime } : {}),
            })),
            ...(session.guestAgentConnected !== undefined ? { guestAgentConnected: session.guestAgentConnected } : {}),
            ...(session.idleSince ? { idleSince: session.idleSince } : {}),
            ...(session.lastSeenTime ? { lastSeenTime: session.lastSeenTime } : {}),
          },
        }
      : {}),
    ...(status.pendingAction
      ? {
          pendingAction: {
            action: status.pendingAction.action,
            reason: status.pendingAction.reason,
            deadline: status.pendingAction.deadline,
            message: status.pendingAction.message,
          },
        }
      : {}),
    ...(session?.lastActivityTime ? { lastActivityTime: session.lastActivityTime } : {}),
    ...(kind ? { poolKind: kind } : {}),
    ...(desktop ? { rdp: !!status.connection?.rdpService } : {}),
    ...(desktop && context.rules ? { allowed: desktopPermissions(context.rules, desktop.name) } : {}),
    ...(status.profileDisk
      ? {
          profileDisk: {
            ...(status.profileDisk.size ? { size: status.profileDisk.size } : {}),
            attached: status.profileDisk.attached,
          },
        }
      : {}),
  };
}

function poolKind(pool: PoolObject | undefined): PoolKind | undefined {
  if (!pool?.spec) return undefined;
  // The API server fills in the defaults; a pool read from an older CRD may lack them.
  return {
    assignment: pool.spec.assignment === 'Manual' ? 'Manual' : 'Automatic',
    persistence: pool.spec.persistence === 'Persistent' ? 'Persistent' : 'Stateless',
  };
}
