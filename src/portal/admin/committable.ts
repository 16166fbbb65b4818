// What the Admin Portal's editors share, for any kubevdi object: the object as Git holds it (what
// to commit: no status, no managedFields, nothing the cluster adds), the fields a change touches
// (where GitOps ownership is checked), and the API server's refusal as its causes in its own
// words. Pure.
import { stringify } from 'yaml';

export interface KubeObject {
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

export const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/** The object to commit: what Git holds, without what the cluster adds (status, managedFields…). */
export function committable(object: KubeObject, kind: { apiVersion: string; kind: string }): KubeObject {
  const metadata = record(object.metadata);
  const annotations = Object.fromEntries(
    Object.entries(record(metadata.annotations)).filter(
      ([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration',
    ),
  );
  const labels = record(metadata.labels);
  return {
    apiVersion: object.apiVersion ?? kind.apiVersion,
    kind: object.kind ?? kind.kind,
    metadata: {
      name: str(metadata.name),
      namespace: str(metadata.namespace),
      ...(Object.keys(labels).length ? { labels: labels as Record<string, string> } : {}),
      ...(Object.keys(annotations).length ? { annotations: annotations as Record<string, string> } : {}),
    },
    spec: object.spec,
  };
}

export const committableYaml = (object: KubeObject, kind: { apiVersion: string; kind: string }) =>
  stringify(committable(object, kind), { lineWidth: 0 });

/** The spec fields a change would touch (the paths GitOps ownership is checked on). */
export function changedPaths(live: KubeObject | undefined, desired: KubeObject): string[][] {
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** The API server's refusal (a Status, or its JSON), cause by cause: the field path and its words. */
export function statusCauses(status: unknown, otherwise: string): { path?: string; message: string }[] {
  const body = (typeof status === 'string' ? safeJson(status) : status) as Status | undefined;
  const causes = body?.details?.causes ?? [];
  if (causes.length === 0) return [{ message: body?.message ?? otherwise }];
  return causes.map((cause) => ({
    ...(cause.field ? { path: cause.field } : {}),
    message: wordsOf(cause.message ?? cause.reason ?? 'invalid'),
  }));
}

/**
 * "spec.resources.cpu.cores in body should be greater than or equal to 1", shown after its path,
 * reads as "should be greater than or equal to 1": the schema's words without saying the path twice.
 */
export function withoutPath(path: string, message: string): string {
  return message.startsWith(`${path} `) ? message.slice(path.length + 1).replace(/^in body /, '') : message;
}

const TYPED_PATCH = /failed to create typed patch object \([^)]*\): (.*)$/s;
const KINDS: Record<string, string> = { map: 'an object', list: 'a list', string: 'text', numeric: 'a number' };

/**
 * A server-side apply the API server cannot type — a value of the wrong type, a field the schema
 * does not have — is answered 500 "failed to create typed patch object (kubevdi.io/v1alpha1,
 * Kind=VMTemplate): .spec.resources.cpu: expected map, got &{false}" (with several, "errors:" and
 * one ".path: reason" a line): a refusal of what the person wrote, not a failure of the server.
 * Its causes, each a path and the words for it, or undefined for any other 500.
 */
export function typedPatchRefusal(status: unknown): { path: string; message: string }[] | undefined {
  const body = (typeof status === 'string' ? safeJson(status) : status) as Status | undefined;
  const match = TYPED_PATCH.exec(body?.message ?? '');
  if (!match) return undefined;
  const lines = (match[1] ?? '').replace(/^errors:\s*/, '').split('\n');
  const causes = lines.flatMap((line) => {
    const cause = /^\s*\.?([^:\s][^:]*): (.*)$/.exec(line);
    return cause ? [typedCause(cause[1] as string, cause[2] as string)] : [];
  });
  return causes.length > 0 ? causes : undefined;
}

function typedCause(path: string, reason: string): { path: string; message: string } {
  const expected = /^expected (\w+)/.exec(reason)?.[1];
  const got = /got &\{([^{}]*)\}$/.exec(reason.trim())?.[1];
  if (/field not declared in schema/.test(reason)) return { path, message: 'is not a field here' };
  if (expected)
    return { path, message: `should be ${KINDS[expected] ?? expected}${got !== undefined ? `, not ${got}` : ''}` };
  return { path, message: reason.trim() };
}
