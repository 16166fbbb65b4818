// A claim's grant (a Role and RoleBinding that let its person read their claim and, while bound,
// use their desktop): what it should be, which parts to write when the cache shows something else,
// and which parts to delete when it goes. Pure: the claim controller applies and deletes.
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject, V1PolicyRule, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { LABELS } from '../api/labels.js';
import { type GrantInput, renderGrantBinding, renderGrantRole } from '../render/grants.js';

/**
 * Which parts of a claim's grant (Role, RoleBinding) to delete: with the uid the cache shows when it
 * shows the part owned by the claim; by name when the cache shows none (it may lag a grant just
 * written); not at all when the cache shows it owned by another claim of the same name (made again
 * since) — that one is someone else's now.
 */
export interface GrantParts {
  role: { uid?: string } | undefined;
  binding: { uid?: string } | undefined;
}

/** What the cache shows of a claim's grant. */
export interface CachedGrant {
  role: V1Role | undefined;
  binding: V1RoleBinding | undefined;
}

/**
 * The parts of the grant to write, in order: the Role before its RoleBinding (without the `bind`
 * verb, which kubevdi does not have, the API server lets it bind only a Role that exists and
 * grants no more than kubevdi holds). Only the parts the cache shows otherwise.
 */
export function grantWrites(input: GrantInput, cached: CachedGrant): (V1Role | V1RoleBinding)[] {
  const role = renderGrantRole(input);
  const binding = renderGrantBinding(input);
  return [
    ...(sameGrant(cached.role, role, (r) => r.rules?.map(ruleShape)) ? [] : [role]),
    ...(sameGrant(cached.binding, binding, (b) => [b.roleRef, b.subjects]) ? [] : [binding]),
  ];
}

/** The parts of a claim's (uid) grant to delete, from what the cache shows of it. */
export function grantParts(claimUid: string, cached: CachedGrant): GrantParts {
  const part = (shown: KubernetesObject | undefined) => {
    if (!shown) return {};
    const owned = shown.metadata?.ownerReferences?.some((ref) => ref.uid === claimUid);
    return owned ? { uid: shown.metadata?.uid } : undefined;
  };
  return { role: part(cached.role), binding: part(cached.binding) };
}

function sameGrant<T extends V1Role | V1RoleBinding>(
  current: T | undefined,
  desired: T,
  content: (obj: T) => unknown,
): boolean {
  if (!current) return false;
  const labels = (obj: T) => obj.metadata?.labels ?? {};
  return (
    Object.entries(labels(desired)).every(([k, v]) => labels(current)[k] === v) &&
    labels(current)[LABELS.desktop] === labels(desired)[LABELS.desktop] &&
    isDeepStrictEqual(content(current), content(desired))
  );
}

/** A rule as we write it, whatever empty fields the API server adds. */
function ruleShape(rule: V1PolicyRule) {
  return { apiGroups: rule.apiGroups, resources: rule.resources, resourceNames: rule.resourceNames, verbs: rule.verbs };
}
