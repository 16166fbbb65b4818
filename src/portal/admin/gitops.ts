// Who else keeps an object as it is: Argo CD or Flux (their labels and annotations), or another
// field manager that applies it (server-side apply, e.g. `kubectl apply --server-side`). A change
// made in the portal to such an object is reverted at the next sync, so the portal says so before
// anything is written and offers the YAML to commit instead. Pure: reads metadata only.
import { PORTAL_FIELD_MANAGER } from '../../api/field-managers.js';
import type { GitOpsManager } from './pool-edit-types.js';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

export interface ObjectMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntry[];
}

const ARGO_PREFIX = 'argocd.argoproj.io/';

/** Does `fieldsV1` (the API server's field set) own the field at `path` (or something under it)? */
export function owns(fieldsV1: unknown, path: readonly string[]): boolean {
  let node = fieldsV1;
  for (const segment of path) {
    if (!node || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[`f:${segment}`];
    if (node === undefined) return false;
  }
  return true;
}

/**
 * The GitOps tools and other appliers that keep this object. `changed` are the fields the change
 * touches (e.g. ['spec', 'size']): another applier counts only where it owns one of them; without
 * `changed`, owning anything in spec counts.
 */
export function gitopsManagers(metadata: ObjectMetadata | undefined, changed?: readonly string[][]): GitOpsManager[] {
  const labels = metadata?.labels ?? {};
  const annotations = metadata?.annotations ?? {};
  const found: GitOpsManager[] = [];
  const tracking = annotations[`${ARGO_PREFIX}tracking-id`];
  const instance = labels['app.kubernetes.io/instance'];
  const argoAnnotations = Object.keys(annotations).some((k) => k.startsWith(ARGO_PREFIX));
  if (argoAnnotations || (instance && tracking)) {
    // tracking-id is "<application>:<group>/<kind>:<namespace>/<name>"; the label is the app's name.
    const application = tracking?.split(':')[0] || instance;
    found.push({ tool: 'Argo CD', name: application, how: 'argocd.argoproj.io annotations' });
  }
  const kustomization = labels['kustomize.toolkit.fluxcd.io/name'];
  if (kustomization) {
    const where = labels['kustomize.toolkit.fluxcd.io/namespace'];
    found.push({
      tool: 'Flux',
      name: where ? `${where}/${kustomization}` : kustomization,
      how: 'Kustomization label',
    });
  }
  const release = labels['helm.toolkit.fluxcd.io/name'];
  if (release) {
    const where = labels['helm.toolkit.fluxcd.io/namespace'];
    found.push({ tool: 'Flux', name: where ? `${where}/${release}` : release, how: 'HelmRelease label' });
  }
  const paths = changed ?? [['spec']];
  const appliers = new Set<string>();
  for (const entry of metadata?.managedFields ?? []) {
    if (entry.operation !== 'Apply' || entry.subresource || !entry.manager) continue;
    if (entry.manager === PORTAL_FIELD_MANAGER) continue;
    if (paths.some((p) => owns(entry.fieldsV1, p))) appliers.add(entry.manager);
  }
  for (const manager of [...appliers].sort())
    found.push({ tool: 'field manager', name: manager, how: 'applies the fields being changed' });
  return found;
}
