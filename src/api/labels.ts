// Label keys kubevdi puts on the objects it owns, in one place so that the renderer, the
// controllers' selectors and the portal cannot drift apart.

/** The value of `app.kubernetes.io/managed-by` on everything kubevdi creates. */
export const MANAGED_BY = 'kubevdi';

export const LABELS = {
  /** Name of the VirtualDesktopPool a desktop belongs to. */
  pool: 'kubevdi.io/pool',
  /** Name of the VMTemplate a desktop was made from. */
  template: 'kubevdi.io/template',
  /** Revision number of that template the desktop runs; a rollout compares it with the pool's target. */
  templateRevision: 'kubevdi.io/template-revision',
  /**
   * Name of the desktop itself, on the VMI's pod too: KubeVirt's own labels there are reserved
   * and version dependent, and a per-desktop Service (RDP) needs a selector of its own.
   */
  desktop: 'kubevdi.io/desktop',
  /** Always MANAGED_BY, so `kubectl get vm -l app.kubernetes.io/managed-by=kubevdi` lists ours. */
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The labels every desktop of `pool` carries: a selector for the pool's desktops (and its scale subresource). */
export function poolSelector(pool: string): Record<string, string> {
  return { [LABELS.pool]: pool, [LABELS.managedBy]: MANAGED_BY };
}

/** `poolSelector` as a label selector string, e.g. for the pool's `status.selector`. */
export function poolSelectorString(pool: string): string {
  return Object.entries(poolSelector(pool))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
