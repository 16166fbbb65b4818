// Where a claim is on its way to a usable desktop, in plain words, from the claim's conditions
// as the operator writes them (Bound, Ready, Released and their reasons). Pure: no DOM, so the
// unit tests run it in Node.
import type { Claim } from '../api-types.js';

export const STEPS = ['Waiting for a desktop', 'Desktop assigned', 'Starting', 'Ready to connect'] as const;

export type ClaimState = 'waiting' | 'assigned' | 'starting' | 'ready' | 'off' | 'released' | 'failed' | 'leaving';

export interface Progress {
  state: ClaimState;
  /** Index into STEPS of the step reached; -1 when the claim is off that path (released, failed). */
  step: number;
  /** A short headline: the step's name, or what happened. */
  headline: string;
  /** What is wrong or what the person waits for, in plain words; absent when all is well. */
  problem?: string;
  /** The operator's own words, for the curious and for support. */
  detail?: string;
}

/** Plain words for the reasons the operator gives (see src/controllers/claim-plan.ts and session-policy.ts). */
const REASONS: Record<string, string> = {
  PoolExhausted: 'All desktops of this pool are in use or being prepared. You get one as soon as one is free.',
  UserLimitReached: 'You already hold as many desktops of this pool as you may. Give one back first.',
  DesktopResetting: 'Your desktop is being reset to a fresh disk. It is yours again as soon as that is done.',
  PoolNotFound: 'This pool no longer exists. Give this request back.',
  DesktopPoweredOff: 'Your desktop is powered off.',
  LoggedOff: 'You logged off, so the desktop went back to the pool.',
  IdleTimeout: 'Nobody was logged on for a long time, so the desktop went back to the pool.',
  AfterHours: "The pool's hours were over and nobody was using the desktop, so it went back to the pool.",
};

const condition = (claim: Claim, type: string) => claim.conditions.find((c) => c.type === type);

export function progressOf(claim: Claim): Progress {
  if (claim.deleting) return { state: 'leaving', step: -1, headline: 'Giving back' };
  const bound = condition(claim, 'Bound');
  const ready = condition(claim, 'Ready');
  const released = condition(claim, 'Released');
  if (claim.phase === 'Released' || released?.status === 'True') {
    return {
      state: 'released',
      step: -1,
      headline: 'Given back',
      problem:
        (released?.reason && REASONS[released.reason]) ??
        'The desktop went back to the pool. Get a new one to carry on.',
      ...(released?.message ? { detail: released.message } : {}),
    };
  }
  if (claim.phase === 'Failed') {
    return {
      state: 'failed',
      step: -1,
      headline: 'Something went wrong',
      problem: 'This request cannot be met. Give it back and try again, or ask your administrator.',
      ...(bound?.message ? { detail: bound.message } : {}),
    };
  }
  if (bound?.status !== 'True' || !claim.desktop) {
    const problem = bound?.reason ? REASONS[bound.reason] : undefined;
    return {
      state: 'waiting',
      step: 0,
      headline: STEPS[0],
      ...(problem ? { problem } : {}),
      ...(bound?.message ? { detail: bound.message } : {}),
    };
  }
  // KubeVirt's own state of the desktop, when the portal could read it, is newer than the claim's
  // status (the operator writes that after it sees the desktop change): a desktop stopping is not
  // ready, whatever the claim still says.
  const vmState = claim.desktop.state;
  if (vmState === 'Stopping' || vmState === 'Terminating') {
    return {
      state: 'off',
      step: 1,
      headline: 'Stopping',
      ...(ready?.message ? { detail: ready.message } : {}),
    };
  }
  if ((claim.desktop.ready || ready?.status === 'True') && (!vmState || vmState === 'Running')) {
    return { state: 'ready', step: 3, headline: STEPS[3], ...(ready?.message ? { detail: ready.message } : {}) };
  }
  if (ready?.reason === 'DesktopPoweredOff' || vmState === 'Stopped') {
    return {
      state: 'off',
      step: 1,
      headline: 'Powered off',
      problem: REASONS.DesktopPoweredOff,
      ...(ready?.message ? { detail: ready.message } : {}),
    };
  }
  if (ready?.reason === 'DesktopStarting' || (vmState && vmState !== 'Running')) {
    return { state: 'starting', step: 2, headline: STEPS[2], ...(ready?.message ? { detail: ready.message } : {}) };
  }
  return { state: 'assigned', step: 1, headline: STEPS[1], ...(bound.message ? { detail: bound.message } : {}) };
}
