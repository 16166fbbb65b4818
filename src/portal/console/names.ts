// Names in a console's URL: a namespace and a VirtualMachine name, both DNS-1123 labels. Checked
// before anything is asked of the API server, so a path trick never reaches it.
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label, as namespaces and VirtualMachine names are. */
export function isDesktopName(name: string): boolean {
  return name.length <= 63 && NAME.test(name);
}
