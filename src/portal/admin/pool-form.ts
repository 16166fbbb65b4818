// The pool form ↔ the VirtualDesktopPool it applies, and the API server's refusal ↔ the form's
// fields. Pure. The form sends every field it shows on every apply (server-side apply keeps the
// portal's ownership of exactly those); fields it does not show (placement, rdp, update strategy)
// stay as whoever set them left them.
//
// The spec is read and written under the API's own field names (VirtualDesktopPoolSpec), so a
// field added to a pool fails to compile in FORM_FIELDS until someone says whether the form edits it.
import { API_VERSION } from '../../api/meta.js';
import type { VirtualDesktopPoolSpec } from '../../api/virtualdesktoppool.js';
import { committableYaml, type KubeObject, statusCauses, str } from './committable.js';
import type { FieldCause, PoolField, PoolForm, WindowForm } from './pool-edit-types.js';

/**
 * A spec's fields by the API's names, their values not judged here: as read (the API server's) or
 * as the person entered them (the API server judges them at the dry run).
 */
type Fields<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends readonly unknown[] | string | number | boolean
    ? unknown
    : Fields<NonNullable<T[K]>>;
};
export type PoolSpecFields = Fields<VirtualDesktopPoolSpec>;
export type PoolObject = Omit<KubeObject, 'spec'> & { spec?: PoolSpecFields };

/**
 * Every field of a pool's spec, and whether the form edits it: one added to VirtualDesktopPoolSpec
 * is missing here, and the compiler says so, until someone decides. Marked 'in the form', the
 * compiler points at poolOf; added to PoolForm (pool-edit-types.ts), at formOf, FIELDS and the
 * browser's form (web/admin/pool-form.ts).
 */
export const FORM_FIELDS = {
  displayName: 'in the form',
  templateRef: 'in the form',
  size: 'in the form',
  prestarted: 'in the form',
  capacity: 'in the form',
  growth: 'not in the form',
  assignment: 'in the form',
  persistence: 'in the form',
  maxDesktopsPerUser: 'in the form',
  access: 'in the form',
  session: 'in the form',
  updateStrategy: 'not in the form',
  maintenance: 'not in the form',
  placement: 'not in the form',
  rdp: 'not in the form',
  profileDisk: 'not in the form', // YAML only, for now (issue 18)
  paused: 'not in the form', // paused and resumed by its own action (PoolPatch)
} as const satisfies Record<keyof VirtualDesktopPoolSpec, 'in the form' | 'not in the form'>;

type InForm = {
  [K in keyof typeof FORM_FIELDS]: (typeof FORM_FIELDS)[K] extends 'in the form' ? K : never;
}[keyof typeof FORM_FIELDS];
/** What poolOf writes: every field FORM_FIELDS puts in the form (undefined: left out of the apply). */
type FormSpec = { [K in InForm]-?: PoolSpecFields[K] | undefined };

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

/** The form's values for an existing pool (defaults already applied by the API server). */
export function formOf(pool: PoolObject): PoolForm {
  const spec = pool.spec ?? {};
  const logoff = spec.session?.logoff;
  const idle = spec.session?.idle;
  const capacity = spec.capacity;
  return {
    displayName: str(spec.displayName),
    template: str(spec.templateRef?.name),
    revision: num(spec.templateRef?.revision),
    size: num(spec.size),
    prestarted: num(spec.prestarted),
    maxDesktopsPerUser: num(spec.maxDesktopsPerUser),
    assignment: str(spec.assignment, 'Automatic'),
    persistence: str(spec.persistence, 'Stateless'),
    users: strings(spec.access?.users),
    groups: strings(spec.access?.groups),
    logoffAction: str(logoff?.action, 'Release'),
    logoffGraceMinutes: num(logoff?.gracePeriodMinutes),
    idleAction: str(idle?.action, 'Release'),
    idleTimeoutMinutes: num(idle?.timeoutMinutes),
    scheduled: spec.capacity !== undefined,
    timeZone: str(capacity?.timeZone),
    windows: (Array.isArray(capacity?.schedules) ? (capacity.schedules as Record<string, unknown>[]) : []).map((w) => ({
      name: str(w.name),
      days: strings(w.days),
      from: str(w.from),
      to: str(w.to),
      warm: w.warm === undefined ? '' : String(w.warm),
      minWarm: num(w.minWarm),
      maxWarm: num(w.maxWarm),
    })),
    offPeakWarm: num(capacity?.offPeakWarm),
    powerOffDelayMinutes: num(capacity?.powerOffDelayMinutes),
    warmTimeToLiveMinutes: num(capacity?.warmTimeToLiveMinutes),
    rampDownIdleMinutes: num(capacity?.rampDown?.idleMinutes),
    rampDownAction: str(capacity?.rampDown?.action, 'PowerOff'),
    rampDownEvenIfLoggedOn: capacity?.rampDown?.evenIfLoggedOn === true,
  };
}

/** Drops what is empty, so the API server's defaults and "required" messages apply. */
function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== null && v !== undefined && v !== ''),
  ) as Partial<T>;
}

/** A window as entered: a warm count of digits is a number, anything else goes as typed ("20%"). */
function windowOf(w: WindowForm): Record<string, unknown> {
  const warm = w.warm.trim();
  return present({
    name: w.name.trim(),
    days: w.days,
    from: w.from.trim(),
    to: w.to.trim(),
    warm: /^\d+$/.test(warm) ? Number(warm) : warm,
    minWarm: w.minWarm,
    maxWarm: w.maxWarm,
  });
}

/** The object to apply: only the form's fields, as the person entered them. */
export function poolOf(namespace: string, name: string, form: PoolForm): PoolObject {
  const clean = (list: string[]) => [...new Set(list.map((s) => s.trim()).filter(Boolean))];
  const spec: FormSpec = {
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
    // Not scheduled: left out, so the portal's apply drops the schedule it wrote.
    capacity: form.scheduled
      ? present({
          timeZone: form.timeZone.trim(),
          schedules: form.windows.map(windowOf),
          offPeakWarm: form.offPeakWarm,
          powerOffDelayMinutes: form.powerOffDelayMinutes,
          warmTimeToLiveMinutes: form.warmTimeToLiveMinutes,
          rampDown:
            form.rampDownIdleMinutes === null
              ? undefined
              : {
                  idleMinutes: form.rampDownIdleMinutes,
                  action: form.rampDownAction,
                  evenIfLoggedOn: form.rampDownEvenIfLoggedOn,
                },
        })
      : undefined,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: { name, namespace },
    spec: present(spec),
  };
}

/**
 * The API server's field paths (spec.access.users[2], metadata.name) → the form's fields. Every
 * field of the form has its paths here (a field added to PoolForm fails to compile until it has),
 * and no path matches two fields.
 */
const FIELDS: Record<PoolField, RegExp[]> = {
  name: [/^metadata\.name$/],
  displayName: [/^spec\.displayName$/],
  template: [/^spec\.templateRef\.name$/, /^spec\.templateRef$/],
  revision: [/^spec\.templateRef\.revision$/],
  size: [/^spec\.size$/],
  prestarted: [/^spec\.prestarted$/],
  maxDesktopsPerUser: [/^spec\.maxDesktopsPerUser$/],
  assignment: [/^spec\.assignment$/],
  persistence: [/^spec\.persistence$/],
  users: [/^spec\.access\.users\b/],
  groups: [/^spec\.access\.groups\b/],
  logoffAction: [/^spec\.session\.logoff\.action$/],
  logoffGraceMinutes: [/^spec\.session\.logoff\.gracePeriodMinutes$/],
  idleAction: [/^spec\.session\.idle\.action$/],
  idleTimeoutMinutes: [/^spec\.session\.idle\.timeoutMinutes$/],
  scheduled: [/^spec\.capacity$/],
  timeZone: [/^spec\.capacity\.timeZone$/],
  windows: [/^spec\.capacity\.schedules\b/],
  offPeakWarm: [/^spec\.capacity\.offPeakWarm$/],
  powerOffDelayMinutes: [/^spec\.capacity\.powerOffDelayMinutes$/],
  warmTimeToLiveMinutes: [/^spec\.capacity\.warmTimeToLiveMinutes$/],
  rampDownIdleMinutes: [/^spec\.capacity\.rampDown\.idleMinutes$/, /^spec\.capacity\.rampDown$/],
  rampDownAction: [/^spec\.capacity\.rampDown\.action$/],
  rampDownEvenIfLoggedOn: [/^spec\.capacity\.rampDown\.evenIfLoggedOn$/],
};

export function fieldOf(path: string | undefined): PoolField | undefined {
  if (!path) return undefined;
  return (Object.keys(FIELDS) as PoolField[]).find((field) => FIELDS[field].some((pattern) => pattern.test(path)));
}

/** The API server's refusal (a Status), cause by cause, on the form's fields. */
export function causesOf(status: unknown): FieldCause[] {
  const found: FieldCause[] = [];
  for (const { path, message } of statusCauses(status, 'the API server refused the pool')) {
    const field = fieldOf(path);
    // Unknown fields keep their path, so the words still say what they are about; a window's
    // refusal says which window (they are listed one under the other).
    const window = /^spec\.capacity\.schedules\[(\d+)\]/.exec(path ?? '')?.[1];
    const words =
      window !== undefined
        ? `Window ${Number(window) + 1}: ${message}`
        : field || !path
          ? message
          : `${path}: ${message}`;
    if (!found.some((f) => f.field === field && f.message === words)) found.push({ field, message: words });
  }
  return found;
}

/** The pool as Git would hold it. */
export const yamlOf = (pool: PoolObject) =>
  committableYaml(pool, { apiVersion: API_VERSION, kind: 'VirtualDesktopPool' });
