// What a claim's status says, decided from what the claim controller found and did: its phase
// (Pending, Bound, Released, Failed), the desktop and how to reach it, and the Bound, Ready,
// Released and SessionObserved conditions, with the event that goes with a change people should
// see. Pure: the controller stamps observedGeneration and transition times and writes it.
import type { DesktopFacts } from '../api/desktop-facts.js';
import type { DesktopClaim, DesktopClaimStatus } from '../api/desktopclaim.js';
import type { ProfileDiskStatus } from '../api/profile-disk.js';
import { rdpServiceName } from '../render/rdp.js';
import { type ConditionInput, isoSeconds, setConditions } from '../runtime/conditions.js';
import type { PendingAction, Verdict } from './session-policy.js';

/** What of a claim its status is decided from. */
export interface ClaimView {
  metadata?: { namespace?: string; generation?: number };
  spec: Pick<DesktopClaim['spec'], 'user'>;
  status?: DesktopClaim['status'];
}

/** A claim's status as decided: its fields, the conditions to set, and an event to record with it. */
export interface ClaimStatusUpdate {
  fields: Omit<DesktopClaimStatus, 'observedGeneration' | 'conditions'>;
  conditions: ConditionInput[];
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

/** Waiting for a desktop: why, as the Bound condition's reason; a new reason is worth a warning. */
export function pendingStatus(claim: ClaimView, reason: string, message: string): ClaimStatusUpdate {
  const previous = claim.status?.conditions?.find((c) => c.type === 'Bound')?.reason;
  return {
    fields: { phase: 'Pending' },
    conditions: [{ type: 'Bound', status: 'False', reason, message }],
    ...(previous !== reason ? { event: { type: 'Warning' as const, reason, message } } : {}),
  };
}

export interface BoundContext {
  /** The pool exposes RDP. */
  rdp?: boolean;
  /** What the pool's session policies will do next, and when (none: a deadline that no longer holds goes). */
  pending?: PendingAction;
  /** When the desktop was bound, if this is a new binding. */
  now: Date;
  /** The person's profile disk, when the pool has them. */
  profileDisk?: ProfileDiskStatus;
}

/** Bound to `desktop` (whose facts the cache shows, if it shows it). */
export function boundStatus(
  claim: ClaimView,
  desktop: string,
  facts: DesktopFacts | undefined,
  context: BoundContext,
): ClaimStatusUpdate {
  const namespace = claim.metadata?.namespace as string;
  return {
    fields: {
      phase: 'Bound',
      desktop: { name: desktop, ready: facts?.ready === true },
      boundTime: claim.status?.desktop?.name === desktop ? claim.status.boundTime : isoSeconds(context.now),
      connection: {
        vncPath: `/apis/subresources.kubevirt.io/v1/namespaces/${namespace}/virtualmachineinstances/${desktop}/vnc`,
        ...(context.rdp ? { rdpService: rdpServiceName(desktop) } : {}),
      },
      // Given as undefined when nothing is due, so a deadline that no longer holds is removed.
      pendingAction: context.pending,
      profileDisk: context.profileDisk,
    },
    conditions: [
      {
        type: 'Bound',
        status: 'True',
        reason: 'DesktopBound',
        message: `desktop ${desktop} is bound to ${claim.spec.user}`,
      },
      readyCondition(desktop, facts),
      ...sessionObservedCondition(claim),
    ],
  };
}

/** Ended by a session policy (logoff, idle): phase Released for good, as the record of why. */
export function releasedStatus(
  desktop: string,
  verdict: Extract<Verdict, { kind: 'release' }>,
  now: Date,
): ClaimStatusUpdate {
  const message = `desktop ${desktop} was ${verdict.message.startsWith('released') ? verdict.message : `released: ${verdict.message}`}`;
  return {
    fields: { phase: 'Released', releasedTime: isoSeconds(now) },
    conditions: [
      {
        type: 'Bound',
        status: 'False',
        reason: 'Released',
        message: 'the claim was released; create a new one for a desktop',
      },
      { type: 'Ready', status: 'False', reason: 'Released', message: 'the claim was released' },
      { type: 'Released', status: 'True', reason: verdict.reason, message },
    ],
    event: { type: 'Normal', reason: verdict.reason, message },
  };
}

export interface FailedWhy {
  reason: 'UserLimitReached' | 'PoolDeleted';
  message: string;
}

/** Can never be satisfied (over the person's limit, or its pool deleted under it): phase Failed for good. */
export function failedStatus(why: FailedWhy): ClaimStatusUpdate {
  return {
    fields: { phase: 'Failed' },
    conditions: [
      { type: 'Bound', status: 'False', reason: why.reason, message: why.message },
      { type: 'Ready', status: 'False', reason: why.reason, message: 'the claim failed; it will not get a desktop' },
    ],
    event: { type: 'Warning', reason: why.reason, message: why.message },
  };
}

/** The status to write: the update's fields, with observedGeneration and the conditions set on the claim's. */
export function claimStatus(claim: ClaimView, update: ClaimStatusUpdate): DesktopClaimStatus {
  const generation = claim.metadata?.generation;
  return {
    observedGeneration: generation,
    ...update.fields,
    conditions: setConditions(claim.status?.conditions, update.conditions, generation),
  };
}

function readyCondition(name: string, desktop: DesktopFacts | undefined): ConditionInput {
  if (desktop?.ready === true) {
    return { type: 'Ready', status: 'True', reason: 'DesktopReady', message: `desktop ${name} is running and ready` };
  }
  if (desktop?.halted) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'DesktopPoweredOff',
      message: `desktop ${name} is powered off; start it to connect`,
    };
  }
  return {
    type: 'Ready',
    status: 'False',
    reason: 'DesktopStarting',
    message: `desktop ${name} is ${desktop?.state ?? 'starting'}`,
  };
}

/**
 * Whether the session controller can see who is logged on: False while KubeVirt's subresource API
 * does not answer (the policies wait, nothing is released), back to True once it does; absent on
 * claims that never met the problem.
 */
function sessionObservedCondition(claim: ClaimView): ConditionInput[] {
  const unavailable = claim.status?.session?.kubevirtUnavailable;
  if (unavailable)
    return [
      {
        type: 'SessionObserved',
        status: 'False',
        reason: 'KubeVirtUnavailable',
        message: `who is logged on cannot be read, so no session policy acts and nothing is released: ${unavailable}`,
      },
    ];
  if (!claim.status?.conditions?.some((c) => c.type === 'SessionObserved')) return [];
  return [
    {
      type: 'SessionObserved',
      status: 'True',
      reason: 'KubeVirtAvailable',
      message: "KubeVirt's subresource API answers again",
    },
  ];
}
