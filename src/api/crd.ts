// From a kind's zod schema and a few words about its names and columns to the
// CustomResourceDefinition the API server serves. Pure: `npm run generate` writes the result.
import { z } from 'zod';
import { GROUP, VERSION } from './meta.js';
import { type JsonSchema, toStructural } from './structural.js';

export const CATEGORY = 'kubevdi';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  priority?: 0 | 1;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  shortNames: string[];
  description: string;
  schema: z.ZodObject;
  printerColumns: PrinterColumn[];
  /** A rule on metadata.name beyond what Kubernetes checks itself, with the reason for it. */
  nameRule?: { rule: string; message: string };
  /** JSON paths of the scale subresource, for kinds that `kubectl scale` works on. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

const ROOT_FIELDS: Record<string, JsonSchema> = {
  apiVersion: {
    description:
      'APIVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  },
  kind: {
    description:
      'Kind is a string value representing the REST resource this object represents. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  },
};

/** The API server allows nothing under metadata but rules on name and generateName. */
function metadataSchema(def: KindDefinition): JsonSchema {
  if (!def.nameRule) return { type: 'object' };
  return { type: 'object', properties: { name: { type: 'string', 'x-kubernetes-validations': [def.nameRule] } } };
}

export function crdName(def: KindDefinition): string {
  return `${def.plural}.${GROUP}`;
}

/** The openAPIV3Schema of a kind: the zod schema made structural, with the standard root fields. */
export function openApiSchema(def: KindDefinition): JsonSchema {
  const json = z.toJSONSchema(def.schema, { target: 'openapi-3.0', io: 'input', reused: 'inline' }) as JsonSchema;
  const { spec, status } = json.properties as Record<string, JsonSchema>;
  const root = toStructural({
    ...json,
    description: def.description,
    properties: { spec, status },
    required: ['spec'],
  });
  const structural = root.properties as Record<string, JsonSchema>;
  return {
    ...root,
    properties: { ...ROOT_FIELDS, metadata: metadataSchema(def), spec: structural.spec, status: structural.status },
  };
}

export function renderCrd(def: KindDefinition): JsonSchema {
  const singular = def.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(def), labels: { 'app.kubernetes.io/part-of': 'kubevdi' } },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema(def) },
          subresources: def.scale ? { status: {}, scale: def.scale } : { status: {} },
          additionalPrinterColumns: [
            ...def.printerColumns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
          ],
        },
      ],
    },
  };
}
