// The pool form ↔ the VirtualDesktopPool it applies, and the API server's refusal ↔ the form's
// fields. Pure. The form sends every field it shows on every apply (server-side apply keeps the
// portal's ownership of exactly those); fields it does not show (placement, rdp, update strategy)
// stay as whoever set them left them.
import { API_VERSION } from '../../api/meta.js';
import { committableYaml, type KubeObject, record, statusCauses, str } from './committable.js';
import type { FieldCause, PoolField, PoolForm } from './pool-edit-types.js';

export type PoolObject = KubeObject;

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
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

/** The API server's refusal (a Status), cause by cause, on the form's fields. */
export function causesOf(status: unknown): FieldCause[] {
  const found: FieldCause[] = [];
  for (const { path, message } of statusCauses(status, 'the API server refused the pool')) {
    const field = fieldOf(path);
    // Unknown fields keep their path, so the words still say what they are about.
    const words = field || !path ? message : `${path}: ${message}`;
    if (!found.some((f) => f.field === field && f.message === words)) found.push({ field, message: words });
  }
  return found;
}

/** The pool as Git would hold it. */
export const yamlOf = (pool: PoolObject) =>
  committableYaml(pool, { apiVersion: API_VERSION, kind: 'VirtualDesktopPool' });
