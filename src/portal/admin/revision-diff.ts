// What changed between two template revisions, as a list of fields a person can read
// ("spec.resources.memory: 4Gi → 8Gi") rather than two YAML documents side by side. Pure: the
// route reads the ControllerRevisions as the person, this only compares their specs.
import type { RevisionChange } from './types.js';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value in one short line: strings as they are, everything else as compact JSON. */
export function showValue(value: Json): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Leaves of an object by their dotted path; arrays of scalars stay whole, arrays of objects go by index. */
function leaves(value: Json, path: string, into: Map<string, Json>): void {
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    // An empty object is still a value someone set (e.g. `firmware: {}`), not nothing.
    if (keys.length === 0) into.set(path, value);
    for (const key of keys) leaves(value[key], `${path}.${key}`, into);
    return;
  }
  if (Array.isArray(value) && value.some((v) => isObject(v) || Array.isArray(v))) {
    value.forEach((item, i) => {
      leaves(item, `${path}[${i}]`, into);
    });
    return;
  }
  into.set(path, value);
}

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/** Both specs' paths in one order: the newer's, with what only the older had where it stood there. */
function merged(older: readonly string[], newer: readonly string[]): string[] {
  const inNewer = new Set(newer);
  const out: string[] = [];
  let i = 0;
  for (const path of newer) {
    const at = older.indexOf(path, i);
    if (at >= 0) {
      for (; i < at; i++) if (!inNewer.has(older[i] as string)) out.push(older[i] as string);
      i = at + 1;
    }
    out.push(path);
  }
  for (; i < older.length; i++) if (!inNewer.has(older[i] as string)) out.push(older[i] as string);
  return out;
}

/** Every field whose value differs, in the newer spec's order, removed fields where they stood. */
export function revisionDiff(before: Json, after: Json, root = 'spec'): RevisionChange[] {
  const was = new Map<string, Json>();
  const now = new Map<string, Json>();
  leaves(before, root, was);
  leaves(after, root, now);
  const changes: RevisionChange[] = [];
  for (const path of merged([...was.keys()], [...now.keys()])) {
    const a = was.get(path);
    const b = now.get(path);
    if (same(a, b)) continue;
    const change = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    changes.push({
      path,
      change,
      ...(a === undefined ? {} : { before: showValue(a) }),
      ...(b === undefined ? {} : { after: showValue(b) }),
      text: `${path}: ${showValue(a)} → ${showValue(b)}`,
    });
  }
  return changes;
}
