// Names of the objects a pool owns. Children have deterministic names, so a crash between
// "decide to create" and "created" can never produce a second desktop: the next pass computes
// the same name and server-side apply finds the first one.

/**
 * The VirtualMachine of desktop `index` in `pool`: `<pool>-<index>`, as KubeVirt's own
 * VirtualMachinePool names its VMs. The name is also the guest's hostname.
 */
export function desktopName(pool: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`desktop index must be a non-negative integer, got ${index}`);
  }
  return `${pool}-${index}`;
}

/**
 * The index of a desktop of `pool` from its VirtualMachine's name, or undefined when the name is
 * not `<pool>-<index>`. Only the canonical decimal form counts ("sales-7", not "sales-07"), so
 * every index has exactly one name, and a VM of pool "sales-7" ("sales-7-0") is not read as a
 * desktop of pool "sales".
 */
export function parseDesktopIndex(pool: string, vmName: string): number | undefined {
  const prefix = `${pool}-`;
  if (!vmName.startsWith(prefix)) return undefined;
  const digits = vmName.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return undefined;
  const index = Number(digits);
  return Number.isSafeInteger(index) ? index : undefined;
}

/**
 * The DataVolume (and the PVC CDI makes for it) holding a desktop's root disk. Prefixed with the
 * desktop's name, unlike VirtualMachinePool's `<dv>-<index>`, so two pools in one namespace
 * never collide.
 */
export function rootDiskName(desktop: string): string {
  return `${desktop}-root`;
}
