// What claims say about how people fare, for the metrics: who waits and why, how long a person
// waited for a desktop, which claims failed. Pure: read from a claim as the informer shows it,
// and from a claim's change (its previous and new state), so nothing is counted twice.
import type { FailedWhy } from './claim-status.js';

/** Why a claim ends Failed: every reason, so a pool's counters can start at 0 before the first. */
export const FAILED_REASONS = ['UserLimitReached', 'PoolDeleted'] as const satisfies readonly FailedWhy['reason'][];

/** The parts of a DesktopClaim read here (the API's type and the informer's JSON both fit). */
export interface ClaimObject {
  metadata?: { namespace?: string; creationTimestamp?: Date | string; deletionTimestamp?: Date | string };
  spec?: { poolRef?: { name?: string } };
  status?: {
    phase?: string;
    desktop?: { ready?: boolean };
    conditions?: readonly { type: string; reason?: string }[];
  };
}

export interface ClaimRow {
  namespace: string;
  pool: string;
  /** Pending (a person waits), Bound, Released or Failed. */
  phase: string;
  /** Why, as the Bound condition's reason: PoolExhausted, UserLimitReached, DesktopBound... */
  reason: string;
}

/** The claim's row in the kubevdi_claims gauge; none for one being deleted (the person gave up or is done). */
export function claimRow(claim: ClaimObject): ClaimRow | undefined {
  const namespace = claim.metadata?.namespace;
  const pool = claim.spec?.poolRef?.name;
  if (!namespace || !pool || claim.metadata?.deletionTimestamp) return undefined;
  return {
    namespace,
    pool,
    // A claim the operator has not looked at yet waits all the same.
    phase: claim.status?.phase ?? 'Pending',
    reason: claim.status?.conditions?.find((c) => c.type === 'Bound')?.reason ?? '',
  };
}

/** Rows counted by their labels. */
export function countRows(rows: readonly (ClaimRow | undefined)[]): { row: ClaimRow; claims: number }[] {
  const counted = new Map<string, { row: ClaimRow; claims: number }>();
  for (const row of rows) {
    if (!row) continue;
    const key = `${row.namespace}/${row.pool}/${row.phase}/${row.reason}`;
    const entry = counted.get(key) ?? { row, claims: 0 };
    entry.claims += 1;
    counted.set(key, entry);
  }
  return [...counted.values()];
}

export const isReady = (c: ClaimObject): boolean => c.status?.phase === 'Bound' && c.status.desktop?.ready === true;

export interface ClaimChange {
  /** Its desktop became ready: seconds since the claim was made (the person's wait). */
  readyAfterSeconds?: number;
  /** It turned Failed, for this reason. */
  failed?: string;
}

/**
 * What a claim's change from `before` (undefined: it just appeared) to `after` tells, at `nowMs`.
 * Only a change seen happening counts: a claim that is already ready or Failed when first seen
 * was counted by whoever saw it change (an earlier leader), or before anyone watched. The wait is
 * from `seenAtMs`, when this process saw the claim appear, where it did: creationTimestamp has
 * whole seconds only, too coarse for a wait that a warm desktop makes sub-second.
 */
export function claimChange(
  before: ClaimObject | undefined,
  after: ClaimObject,
  nowMs: number,
  seenAtMs?: number,
): ClaimChange {
  if (!before) return {};
  const change: ClaimChange = {};
  if (!isReady(before) && isReady(after)) {
    const since = seenAtMs ?? Date.parse(String(after.metadata?.creationTimestamp ?? ''));
    if (Number.isFinite(since)) change.readyAfterSeconds = Math.max(0, (nowMs - since) / 1000);
  }
  if (before.status?.phase !== 'Failed' && after.status?.phase === 'Failed') {
    change.failed = after.status.conditions?.find((c) => c.type === 'Bound')?.reason ?? 'Unknown';
  }
  return change;
}
