// The pool form ↔ the VirtualDesktopPool it applies, and the API server's refusal ↔ the form's
// fields. Pure. The form sends every field it shows on every apply (server-side apply keeps the
// portal's ownership of exactly those); fields it does not show (placement, rdp, update strategy)
// stay as whoever set them left them.
import { stringify } from 'yaml';
import { API_VERSION } from '../../api/meta.js';
import type { FieldCause, PoolField, PoolForm } from '../pool-edit-types.js';

export interface PoolObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: unknown;
}

const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

/** The form's values for an existing pool (defaults already applied by the API server). */
export function formOf(pool: PoolObject): PoolForm {
  const spec = record(pool.spec);
  const template = record(spec.templateRef);
  const access = record(spec.access);
  const session = record(spec.session);
  const logoff = record(session.logoff);
  const idle = record(session.idle);
  return {
    displayName: str(spec.displayName),
    template: str(template.name),
    revision: num(template.revision),
    size: num(spec.size),
    prestarted: num(spec.prestarted),
    maxDesktopsPerUser: num(spec.maxDesktopsPerUser),
    assignment: str(spec.assignment, 'Automatic'),
    persistence: str(spec.persistence, 'Stateless'),
    users: strings(access.users),
    groups: strings(access.groups),
    logoffAction: str(logoff.action, 'Release'),
    logoffGraceMinutes: num(logoff.gracePeriodMinutes),
    idleAction: str(idle.action, 'Release'),
    idleTimeoutMinutes: num(idle.timeoutMinutes),
  };
}

/** Drops what is empty, so the API server's defaults and "required" messages apply. */
function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== null && v !== undefined && v !== ''),
  ) as Partial<T>;
}

/** The object to apply: only the form's fields, as the person entered them. */
export function poolOf(namespace: string, name: string, form: PoolForm): PoolObject {
  const clean = (list: string[]) => [...new Set(list.map((s) => s.trim()).filter(Boolean))];
  return {
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: { name, namespace },
    spec: present({
      displayName: form.displayName.trim(),
      templateRef: present({ name: form.template.trim(), revision: form.revision }),
      size: form.size,
      prestarted: form.prestarted,
      maxDesktopsPerUser: form.maxDesktopsPerUser,
      assignment: form.assignment,
      persistence: form.persistence,
      access: { users: clean(form.users), groups: clean(form.groups) },
      session: {
        logoff: present({ action: form.logoffAction, gracePeriodMinutes: form.logoffGraceMinutes }),
        idle: present({ action: form.idleAction, timeoutMinutes: form.idleTimeoutMinutes }),
      },
    }),
  };
}

/** The API server's field paths (spec.access.users[2], metadata.name) → the form's fields. */
const FIELDS: [RegExp, PoolField][] = [
  [/^metadata\.name$/, 'name'],
  [/^spec\.displayName$/, 'displayName'],
  [/^spec\.templateRef\.name$/, 'template'],
  [/^spec\.templateRef\.revision$/, 'revision'],
  [/^spec\.templateRef$/, 'template'],
  [/^spec\.size$/, 'size'],
  [/^spec\.prestarted$/, 'prestarted'],
  [/^spec\.maxDesktopsPerUser$/, 'maxDesktopsPerUser'],
  [/^spec\.assignment$/, 'assignment'],
  [/^spec\.persistence$/, 'persistence'],
  [/^spec\.access\.users\b/, 'users'],
  [/^spec\.access\.groups\b/, 'groups'],
  [/^spec\.session\.logoff\.action$/, 'logoffAction'],
  [/^spec\.session\.logoff\.gracePeriodMinutes$/, 'logoffGraceMinutes'],
  [/^spec\.session\.idle\.action$/, 'idleAction'],
  [/^spec\.session\.idle\.timeoutMinutes$/, 'idleTimeoutMinutes'],
];

export function fieldOf(path: string | undefined): PoolField | undefined {
  if (!path) return undefined;
  return FIELDS.find(([pattern]) => pattern.test(path))?.[1];
}

/**
 * "Invalid value: \"integer\": prestarted cannot be…" (or, from newer API servers, "Invalid value:
 * prestarted cannot be…") → "prestarted cannot be…": the rule's own words without the API
 * server's echo of the value or its type, which means nothing beside the field.
 */
export function wordsOf(message: string): string {
  return message.replace(/^Invalid value: (?:"(?:[^"\\]|\\.)*": |-?\d+: )?/, '').trim();
}

interface Status {
  message?: string;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

/** The API server's refusal (a Status), cause by cause, on the form's fields. */
export function causesOf(status: unknown): FieldCause[] {
  const body = (typeof status === 'string' ? safeJson(status) : status) as Status | undefined;
  const causes = body?.details?.causes ?? [];
  if (causes.length === 0) return [{ message: body?.message ?? 'the API server refused the pool' }];
  const found: FieldCause[] = [];
  for (const cause of causes) {
    const field = fieldOf(cause.field);
    const message = wordsOf(cause.message ?? cause.reason ?? 'invalid');
    // Unknown fields keep their path, so the words still say what they are about.
    const words = field || !cause.field ? message : `${cause.field}: ${message}`;
    if (!found.some((f) => f.field === field && f.message === words)) found.push({ field, message: words });
  }
  return found;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** The object to commit: what Git holds, without what the cluster adds (status, managedFields…). */
export function committable(pool: PoolObject): PoolObject {
  const metadata = record(pool.metadata);
  const annotations = Object.fromEntries(
    Object.entries(record(metadata.annotations)).filter(
      ([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration',
    ),
  );
  const labels = record(metadata.labels);
  return {
    apiVersion: pool.apiVersion ?? API_VERSION,
    kind: pool.kind ?? 'VirtualDesktopPool',
    metadata: {
      name: str(metadata.name),
      namespace: str(metadata.namespace),
      ...(Object.keys(labels).length ? { labels: labels as Record<string, string> } : {}),
      ...(Object.keys(annotations).length ? { annotations: annotations as Record<string, string> } : {}),
    },
    spec: pool.spec,
  };
}

export const yamlOf = (pool: PoolObject) => stringify(committable(pool), { lineWidth: 0 });

/** The spec fields the form would change (the paths GitOps ownership is checked on). */
export function changedPaths(live: PoolObject | undefined, desired: PoolObject): string[][] {
  const changed: string[][] = [];
  const walk = (a: unknown, b: unknown, path: string[]) => {
    if (record(b) === b && Object.keys(b as object).length > 0) {
      for (const key of Object.keys(b as object))
        walk(record(a)[key], (b as Record<string, unknown>)[key], [...path, key]);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.push(path);
  };
  walk(live?.spec, desired.spec, ['spec']);
  return changed;
}
