// Hostile input for the fuzz campaigns: a valid template, pool or claim with a few random
// mutations — a field set to a wrong type, a huge or strange string, a boundary number, null; a
// required field removed; an unknown field added; or a field set to another valid value, so some
// inputs are accepted and must be reconciled. Pure and seeded (random.ts): the same seed gives the
// same inputs. Each input says which fields it touched, so a refusal can be checked for naming one.
//
// One rule keeps the machine alive rather than the operator honest: a pool accepted with more
// than a handful of desktops would make thousands of VirtualMachines on a shared 2-core machine,
// so a generated pool whose size is a valid large number is made `paused` (no desktops are made).
import type { Random } from './random.js';

export type FuzzKind = 'VMTemplate' | 'VirtualDesktopPool' | 'DesktopClaim';

export interface FuzzInput {
  kind: FuzzKind;
  name: string;
  /** The object as sent (JSON-able: undefined leaves are dropped by JSON). */
  object: Record<string, unknown>;
  /** Dotted paths of the fields mutated, e.g. spec.resources.cpu.cores. */
  touched: string[];
  /** What was done, for the report of a failure. */
  mutations: string[];
}

export interface FuzzBases {
  namespace: string;
  /** The template pools are made from; the pool claims are made for; the claiming user. */
  template: string;
  pool: string;
  user: string;
}

const API_VERSION = 'kubevdi.io/v1alpha1';

function baseSpec(kind: FuzzKind, b: FuzzBases): Record<string, unknown> {
  switch (kind) {
    case 'VMTemplate':
      return {
        displayName: 'Fuzz Workstation',
        os: { type: 'Linux', version: '42' },
        resources: { cpu: { cores: 2 }, memory: '4Gi' },
        rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
        firmware: { type: 'BIOS' },
      };
    case 'VirtualDesktopPool':
      return {
        displayName: 'Fuzz pool',
        templateRef: { name: b.template },
        size: 1,
        prestarted: 0,
        assignment: 'Automatic',
        persistence: 'Stateless',
        maxDesktopsPerUser: 1,
        access: { groups: ['vdi-users'], users: [b.user] },
        session: { idle: { action: 'Release', timeoutMinutes: 60 } },
      };
    case 'DesktopClaim':
      return { poolRef: { name: b.pool }, user: b.user };
  }
}

/** Other valid values, so that some inputs are accepted and reconciled. */
const VALID: Record<string, readonly unknown[]> = {
  'spec.displayName': ['Büro 3 — 🖥️', 'שולחן עבודה', '<img src=x onerror=alert(1)>', '', 'x'.repeat(64)],
  'spec.os.type': ['Windows', 'Linux'],
  'spec.os.version': ['11', '2022', ''],
  'spec.resources.cpu.cores': [1, 4, 512],
  'spec.resources.memory': ['1Gi', '512Mi', '64Gi', '1.5Gi'],
  'spec.firmware.type': ['EFI', 'BIOS'],
  'spec.size': [0, 1, 2, 5000],
  'spec.prestarted': [0, 1],
  'spec.assignment': ['Manual', 'Automatic'],
  'spec.persistence': ['Persistent', 'Stateless'],
  'spec.maxDesktopsPerUser': [1, 2, 2147483647],
  'spec.session.idle.timeoutMinutes': [0, 1, 10080],
  'metadata.name': ['a', 'z'.repeat(50), 'f-0-1'],
};

function hugeString(r: Random): string {
  return r.pick(['x', 'é', '🖥', '\u202e', '\u0000', 'a"b\\']).repeat(r.pick([257, 4097, 70_000, 300_000]));
}

const STRANGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection string, on purpose
  '${jndi:ldap://x}',
  "'; DROP TABLE pools; --",
  '<script>alert(1)</script>',
  'Ω≈ç√∫˜µ≤≥÷',
  '\u202egnp.exe',
  '\uFEFFzero\u200Bwidth',
  '👩‍👩‍👧‍👦',
  'UPPER_case.Name',
  '-leading-dash',
  '1e309',
  'NaN',
  'null',
  'true',
  '{"a":1}',
];

const NUMBERS = [-1, 0, 0.5, -0, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MIN_VALUE, 5001];

function hostileValue(r: Random): { value: unknown; what: string } {
  switch (r.int(0, 6)) {
    case 0:
      return { value: r.pick(NUMBERS), what: 'a boundary number' };
    case 1: {
      const s = hugeString(r);
      return { value: s, what: `a ${s.length}-character string` };
    }
    case 2:
      return { value: r.pick(STRANGE_STRINGS), what: 'a strange string' };
    case 3:
      return { value: r.pick([true, false]), what: 'a boolean' };
    case 4:
      return { value: r.pick([[], [1, 'two'], [null]]), what: 'an array' };
    case 5:
      return { value: r.pick([{}, { nested: { deeper: 1 } }]), what: 'an object' };
    default:
      return { value: null, what: 'null' };
  }
}

type Json = Record<string, unknown>;

function leaves(obj: Json, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(path, ...leaves(v as Json, path));
    else out.push(path);
  }
  return out;
}

function objectsIn(obj: Json, prefix: string): string[] {
  const out = [prefix];
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...objectsIn(v as Json, `${prefix}.${k}`));
  }
  return out;
}

function parentOf(root: Json, path: string): { parent: Json; key: string } | undefined {
  const parts = path.split('.');
  const key = parts.pop() as string;
  let node: unknown = root;
  for (const p of parts) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Json)[p];
  }
  return node && typeof node === 'object' && !Array.isArray(node) ? { parent: node as Json, key } : undefined;
}

const EXTRA_KEYS = ['extra', 'sizee', 'ñame', '🔑', 'x'.repeat(300), '__proto__x', 'spec'];

/** The valid object every input starts from. */
export function baseObject(kind: FuzzKind, name: string, b: FuzzBases): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind, metadata: { name, namespace: b.namespace }, spec: baseSpec(kind, b) };
}

export function generateInput(r: Random, kind: FuzzKind, serial: number, b: FuzzBases): FuzzInput {
  const name = `fz-${kind === 'VMTemplate' ? 't' : kind === 'VirtualDesktopPool' ? 'p' : 'c'}${serial}`;
  const object: Json = baseObject(kind, name, b);
  const touched: string[] = [];
  const mutations: string[] = [];
  const count = r.pick([0, 1, 1, 1, 2, 2, 3]);
  for (let i = 0; i < count; i++) {
    const spec = object.spec as Json;
    // A spec emptied (or replaced) by earlier mutations has no fields left to change or remove.
    const fields = spec && typeof spec === 'object' && !Array.isArray(spec) ? leaves(spec, 'spec') : [];
    const op = r.int(0, 9);
    if (op <= 3) {
      const path = r.chance(0.1) || !fields.length ? 'metadata.name' : r.pick(fields);
      const valid = VALID[path];
      const target = parentOf(object, path);
      if (!target) continue;
      if (valid && r.chance(0.4)) {
        target.parent[target.key] = r.pick(valid);
        mutations.push(`${path} = valid ${JSON.stringify(target.parent[target.key]).slice(0, 40)}`);
      } else if (path === 'metadata.name') {
        // The client needs a string to build the URL; the server judges it.
        const s = r.chance(0.5) ? r.pick(STRANGE_STRINGS) : hugeString(r).slice(0, r.pick([64, 254, 300]));
        target.parent[target.key] = s || 'x';
        mutations.push(`metadata.name = ${JSON.stringify(s).slice(0, 40)}`);
      } else {
        const h = hostileValue(r);
        target.parent[target.key] = h.value;
        mutations.push(`${path} = ${h.what}`);
      }
      touched.push(path);
    } else if (op <= 5) {
      if (!fields.length) continue;
      const path = r.pick(fields);
      const target = parentOf(object, path);
      if (!target) continue;
      delete target.parent[target.key];
      touched.push(path);
      mutations.push(`${path} removed`);
    } else if (op <= 7) {
      const at = r.pick(objectsIn(spec, 'spec'));
      const target = parentOf(object, at);
      if (!target) continue;
      const holder = target.parent[target.key] as Json;
      const key = r.pick(EXTRA_KEYS);
      if (key in holder) continue;
      holder[key] = hostileValue(r).value;
      touched.push(`${at}.${key}`);
      mutations.push(`${at}.${key.slice(0, 20)} added`);
    } else {
      const present = Object.keys(VALID).filter((p) => {
        const at = parentOf(object, p);
        return p !== 'metadata.name' && at !== undefined && at.key in at.parent;
      });
      if (!present.length) continue;
      const path = r.pick(present);
      const target = parentOf(object, path);
      if (!target) continue;
      target.parent[target.key] = r.pick(VALID[path] as unknown[]);
      touched.push(path);
      mutations.push(`${path} = valid ${JSON.stringify(target.parent[target.key]).slice(0, 40)}`);
    }
  }
  const spec = object.spec as Json | undefined;
  if (kind === 'VirtualDesktopPool' && spec && typeof spec.size === 'number' && spec.size > 3) spec.paused = true;
  const metadata = object.metadata as Json;
  return { kind, name: String(metadata.name), object, touched, mutations };
}

/**
 * Whether a refusal's message names one of the fields the input touched: the field's path
 * (`spec.resources.cpu.cores`) or its own key (`cores`), as the API server writes it.
 */
export function namesAField(message: string, touched: readonly string[], object?: Json): boolean {
  // Two inputs of a batch given the same name: the second is refused by name.
  if (touched.includes('metadata.name') && /already exists/.test(message)) return true;
  return touched.some((path) => {
    const key = path.split('.').pop() as string;
    if (message.includes(path) || message.includes(key.slice(0, 40))) return true;
    // Or it quotes what the person wrote there ("not entitled to desktops of pool ns/<poolRef.name>").
    const value = object ? valueAt(object, path) : undefined;
    return typeof value === 'string' && value.length >= 3 && message.includes(value);
  });
}

function valueAt(object: Json, path: string): unknown {
  let at: unknown = object;
  for (const key of path.split('.')) at = at && typeof at === 'object' ? (at as Json)[key] : undefined;
  return at;
}
