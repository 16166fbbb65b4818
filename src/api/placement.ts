// Where a pool's desktops may run: nodeSelector, tolerations and affinity, as in a Pod spec and with
// the rules the API server applies to a Pod. virt-controller copies these into every desktop's
// virt-launcher Pod, so a placement Kubernetes would refuse there must be refused here, at the field
// the person wrote, instead of leaving the pool without desktops (the property test in
// test/render/desktop-property.integration.test.ts found each rule below as a refused Pod or VM).
import { z } from 'zod';
import { cel, labelName } from './meta.js';

/** A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** The same, for CEL's matches() (RE2, in a raw string), on map keys the structural schema cannot constrain. */
const LABEL_KEY_CEL = LABEL_KEY.source.replaceAll('\\/', '/');

const labelKey = (description: string) => z.string().max(317).regex(LABEL_KEY).describe(description);
const labelValue = (description: string) => z.string().max(63).regex(LABEL_VALUE).describe(description);

/** A map of label keys to label values (nodeSelector, matchLabels). */
const labelMap = (description: string, what: string, maxProperties: number) =>
  cel(
    z
      .record(z.string(), labelValue('A label value: at most 63 letters, digits, "-", "_" and ".", or empty.'))
      .meta({ maxProperties })
      .describe(description),
    {
      rule: `self.all(k, k.size() <= 317 && k.matches(r'${LABEL_KEY_CEL}'))`,
      message: `every key of ${what} must be a label key: an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`,
    },
  );

export const nodeSelector = labelMap(
  'Labels a node must have to run the pool\'s desktops, e.g. {"kubevdi.io/desktop-host": "true"}.',
  'nodeSelector',
  64,
);

export const Toleration = cel(
  z
    .object({
      key: z
        .string()
        .max(317)
        .regex(new RegExp(`^$|${LABEL_KEY.source}`))
        .optional()
        .describe('Taint key the toleration applies to, a label key; empty matches all keys (with operator Exists).'),
      operator: z.enum(['Exists', 'Equal']).default('Equal').describe('Exists or Equal.'),
      value: labelValue('Taint value to match with operator Equal.').optional(),
      effect: z
        .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
        .optional()
        .describe('Taint effect to match; empty matches all.'),
      tolerationSeconds: z
        .int()
        .min(0)
        .optional()
        .describe('Only with effect NoExecute: how long the desktop stays after the taint appears.'),
    })
    .describe('A toleration, as in a Pod spec.'),
  {
    rule: "self.operator != 'Exists' || !has(self.value)",
    message: 'a toleration with operator Exists takes no value',
  },
  {
    rule: "self.operator != 'Equal' || (has(self.key) && self.key != '')",
    message: 'a toleration with operator Equal needs a key',
  },
  {
    rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
    message:
      'tolerationSeconds only applies to effect NoExecute (how long a running desktop stays once the taint appears); remove it or set effect: NoExecute',
    fieldPath: '.tolerationSeconds',
  },
);

// --- affinity ---------------------------------------------------------------------------------------

const values = (description: string) =>
  z.array(labelValue('A label value; for Gt and Lt, a whole number.')).max(64).optional().describe(description);

/** The rules Kubernetes applies to a requirement's operator and values. */
const operatorRules = (what: string) => [
  {
    rule: "!(self.operator in ['In', 'NotIn']) || (has(self.values) && self.values.size() > 0)",
    message: `${what} with operator In or NotIn needs at least one value`,
    fieldPath: '.values',
  },
  {
    rule: "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || self.values.size() == 0",
    message: `${what} with operator Exists or DoesNotExist takes no values`,
    fieldPath: '.values',
  },
];

const NodeSelectorRequirement = cel(
  z
    .object({
      key: labelKey('The node label the requirement is about.'),
      operator: z
        .enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'])
        .describe('In, NotIn, Exists, DoesNotExist, Gt or Lt.'),
      values: values(
        'Values for In and NotIn; exactly one whole number for Gt and Lt; none for Exists and DoesNotExist.',
      ),
    })
    .describe('A requirement on a node label.'),
  ...operatorRules('a node requirement'),
  {
    rule: "!(self.operator in ['Gt', 'Lt']) || (has(self.values) && self.values.size() == 1 && self.values[0].matches('^[0-9]+$'))",
    message: 'a node requirement with operator Gt or Lt needs exactly one value, a whole number',
    fieldPath: '.values',
  },
);

const NodeSelectorTerm = z
  .object({
    matchExpressions: z
      .array(NodeSelectorRequirement)
      .max(16)
      .optional()
      .describe('Requirements on node labels, all of which must hold.'),
    matchFields: z
      .array(
        z
          .object({
            key: z.enum(['metadata.name']).describe('The node field: only metadata.name.'),
            operator: z.enum(['In', 'NotIn']).describe('In or NotIn.'),
            values: z.array(z.string().max(253)).min(1).max(1).describe('Exactly one node name.'),
          })
          .describe('A requirement on a node field.'),
      )
      .max(16)
      .optional()
      .describe('Requirements on node fields (the node name), all of which must hold.'),
  })
  .describe('Node requirements, all of which must hold.');

const weight = z.int().min(1).max(100).describe('Weight of this preference, 1 to 100.');

const NodeAffinity = z
  .object({
    requiredDuringSchedulingIgnoredDuringExecution: z
      .object({
        nodeSelectorTerms: z
          .array(NodeSelectorTerm)
          .min(1)
          .max(16)
          .describe('Terms of which at least one must hold; at least one term.'),
      })
      .optional()
      .describe('Nodes the desktops must run on.'),
    preferredDuringSchedulingIgnoredDuringExecution: z
      .array(z.object({ weight, preference: NodeSelectorTerm }).describe('A weighted node preference.'))
      .max(16)
      .optional()
      .describe('Nodes the desktops prefer.'),
  })
  .describe('Which nodes the desktops run on, by node labels.');

const LabelSelectorRequirement = cel(
  z
    .object({
      key: labelKey('The label the requirement is about.'),
      operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('In, NotIn, Exists or DoesNotExist.'),
      values: z
        .array(labelValue('A label value.'))
        .max(64)
        .optional()
        .describe('Values for In and NotIn; none for Exists and DoesNotExist.'),
    })
    .describe('A requirement on a label.'),
  ...operatorRules('a label requirement'),
);

const LabelSelector = z
  .object({
    matchLabels: labelMap('Labels that must all match.', 'matchLabels', 32).optional(),
    matchExpressions: z.array(LabelSelectorRequirement).max(16).optional().describe('Requirements that must all hold.'),
  })
  .describe('A label selector.');

const PodAffinityTerm = z
  .object({
    labelSelector: LabelSelector.optional(),
    namespaceSelector: LabelSelector.optional(),
    namespaces: z
      .array(labelName('A namespace name.'))
      .max(64)
      .optional()
      .describe("Namespaces of the pods to consider; the desktop's own when empty."),
    topologyKey: labelKey('The node label whose equal values count as "together", e.g. kubernetes.io/hostname.'),
  })
  .describe('Pods to run with (or apart from), in a topology domain.');

const PodAffinity = (what: string) =>
  z
    .object({
      requiredDuringSchedulingIgnoredDuringExecution: z
        .array(PodAffinityTerm)
        .max(16)
        .optional()
        .describe(`Terms that must hold ${what}.`),
      preferredDuringSchedulingIgnoredDuringExecution: z
        .array(z.object({ weight, podAffinityTerm: PodAffinityTerm }).describe('A weighted pod affinity term.'))
        .max(16)
        .optional()
        .describe(`Terms preferred ${what}.`),
    })
    .describe(`Pods the desktops run ${what}.`);

export const Affinity = z
  .object({
    nodeAffinity: NodeAffinity.optional(),
    podAffinity: PodAffinity('together with').optional(),
    podAntiAffinity: PodAffinity('apart from').optional(),
  })
  .describe(
    'A Pod affinity (nodeAffinity, podAffinity, podAntiAffinity) passed to the desktops unchanged, with the same fields and rules as in a Pod spec.',
  );
