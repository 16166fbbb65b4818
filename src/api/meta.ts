// Building blocks shared by every kind: the API group, Kubernetes name and quantity forms,
// references, and metav1-style conditions. Each constraint here is written once and ends up
// both in the TypeScript types and in the generated CRD schemas.
import { z } from 'zod';

export const GROUP = 'kubevdi.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A CEL rule as the API server evaluates it; `messageExpression` builds the text from values. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** The field the error is reported on, relative to where the rule sits (e.g. `.prestarted`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Attaches CEL rules to a schema; they land in `x-kubernetes-validations` of the CRD. */
export function cel<T extends z.ZodType>(schema: T, ...rules: CelRule[]): T {
  const existing = (schema.meta()?.['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];
  return schema.meta({ 'x-kubernetes-validations': [...existing, ...rules] }) as T;
}

/** A rule that makes a field immutable once set, with a reason a person can act on. */
export function immutable(what: string, advice: string): CelRule {
  return { rule: 'self == oldSelf', message: `${what} cannot be changed after creation; ${advice}` };
}

// RFC 1123 forms, as apimachinery's validation package checks them.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The name of an object of most kinds (ConfigMap, Secret, PVC, VirtualMachine...). */
export const objectName = (description: string) =>
  z.string().min(1).max(253).regex(DNS1123_SUBDOMAIN).describe(description);

/** A namespace name, or any other name that must be a DNS label. */
export const labelName = (description: string) => z.string().min(1).max(63).regex(DNS1123_LABEL).describe(description);

/**
 * A size in bytes as a resource.Quantity ("64Gi", "500M", "2"), written as a string or an integer.
 * Narrower than apimachinery's pattern on purpose (the property test found both): that pattern
 * lets through exponents the parser refuses ("1E.5", so the desktop's Pod is refused) and
 * exponents so large ("1e201302107") that parsing one for the CEL rule kept the API server busy
 * past its 30 s timeout. Here: up to 18 digits and 9 decimals, a binary or decimal suffix or an
 * exponent of at most two digits, nothing below a byte (no m, u, n, no negative exponent).
 */
export const QUANTITY_PATTERN = /^\+?([0-9]{1,18}(\.[0-9]{1,9})?|\.[0-9]{1,9})([KMGTPE]i|[kMGTPE]|[eE]\+?[0-9]{1,2})?$/;
export const quantity = (description: string) =>
  z.union([z.int().min(0), z.string().max(64).regex(QUANTITY_PATTERN)]).describe(description);

/** A quantity that must be strictly positive; the CEL quantity library checks the value. */
export const positiveQuantity = (description: string, what: string) =>
  cel(quantity(description), {
    // Guarded by the pattern, checked first, so a malformed value reports only the pattern error
    // and is never parsed: the API server runs this rule even when the pattern fails, and parsing
    // "1e957715517877" took it past its 30 s timeout.
    rule: `!string(self).matches(r'${QUANTITY_PATTERN.source}') || quantity(string(self)).isGreaterThan(quantity('0'))`,
    message: `${what} must be greater than zero`,
  });

/** A name of another object in the same namespace. */
export const localObjectReference = (description: string, nameDescription: string) =>
  z.object({ name: objectName(nameDescription) }).describe(description);

/** A name of an object that may live in another namespace (defaults to the referrer's). */
export const namespacedObjectReference = (description: string, what: string) =>
  z
    .object({
      name: objectName(`Name of the ${what}.`),
      namespace: labelName(`Namespace of the ${what}; defaults to the namespace of this object.`).optional(),
    })
    .describe(description);

export const ConditionStatus = z.enum(['True', 'False', 'Unknown']);

/** metav1.Condition: the same fields, rules and meaning as Kubernetes' own types. */
export const Condition = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(
        /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
      )
      .describe('Type of condition in CamelCase, e.g. Ready or Available.'),
    status: ConditionStatus.describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation the condition was computed from; older means out of date.'),
    lastTransitionTime: z.iso.datetime().describe('When the condition last changed from one status to another.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Machine-readable CamelCase reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable explanation of the last transition.'),
  })
  .describe('A metav1-style condition.');
export type Condition = z.infer<typeof Condition>;

export const conditions = (description: string) =>
  z
    .array(Condition)
    .max(16)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .optional()
    .describe(description);

export const observedGeneration = () =>
  z
    .int()
    .min(0)
    .optional()
    .describe(
      'The .metadata.generation this status describes; when it is older than the generation, the status is out of date.',
    );

/** A list of distinct strings that server-side apply merges as a set. */
export const stringSet = (item: z.ZodString, maxItems: number, description: string) =>
  z.array(item).max(maxItems).meta({ 'x-kubernetes-list-type': 'set' }).describe(description);

/** The metadata every object of ours carries; only name and namespace are typed strictly. */
export const ObjectMeta = z
  .object({
    name: z.string().optional(),
    namespace: z.string().optional(),
    generation: z.int().optional(),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();

/** The name people see in the portal instead of the object name. */
export const displayName = (what: string) =>
  z
    .string()
    .max(128)
    .optional()
    .describe(`Name of the ${what} as people see it in the portal; the object name when empty.`);
