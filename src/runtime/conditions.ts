// One setter for metav1-style conditions, as cert-manager has: it stamps observedGeneration and
// moves lastTransitionTime only when the status flips, so writing the same conditions twice
// changes nothing and costs no write.
import type { Condition } from '../api/meta.js';

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Returns the new list; `existing` is not modified. Order follows `inputs`, then the rest. */
export function setConditions(
  existing: readonly Condition[] | undefined,
  inputs: readonly ConditionInput[],
  generation: number | undefined,
  now: Date = new Date(),
): Condition[] {
  const previous = new Map((existing ?? []).map((c) => [c.type, c]));
  const updated = inputs.map((input): Condition => {
    const before = previous.get(input.type);
    previous.delete(input.type);
    const flipped = !before || before.status !== input.status;
    return {
      type: input.type,
      status: input.status,
      observedGeneration: generation,
      lastTransitionTime: flipped ? isoSeconds(now) : before.lastTransitionTime,
      reason: input.reason,
      message: input.message,
    };
  });
  return [...updated, ...previous.values()];
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** A metav1.Time: RFC 3339 in UTC with whole seconds, as the API server writes times. */
export function isoSeconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
