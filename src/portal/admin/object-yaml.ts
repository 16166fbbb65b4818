// Any object as the YAML a person would read or commit: rendered on the server (the browser gets
// text, never a YAML library), without managedFields — the API server's bookkeeping, long and of
// no use to a reader — and with keys in the order the API server sent them.
import { stringify } from 'yaml';

export function objectYaml(object: unknown): string {
  const copy = structuredClone(object) as { metadata?: Record<string, unknown> };
  if (copy?.metadata) delete copy.metadata.managedFields;
  return stringify(copy, { lineWidth: 0 });
}
