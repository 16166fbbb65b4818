// Turns the JSON Schema that zod writes into a *structural* OpenAPI v3 schema, the only kind a
// CustomResourceDefinition accepts: no $ref, a type on every node, no additionalProperties beside
// properties, int-or-string marked the Kubernetes way. Anything it cannot express faithfully is
// an error at generation time, not a surprise at install time.

export type JsonSchema = { [key: string]: unknown };

const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/** Keys copied from the int and string branches of an int-or-string union to its top level. */
const INT_CONSTRAINTS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];
const STRING_CONSTRAINTS = ['pattern', 'minLength', 'maxLength', 'format'];

/**
 * @param path where the node sits, for error messages (e.g. `.spec.size`)
 * @param describedByParent root-level bookkeeping fields need no description of their own
 */
export function toStructural(node: JsonSchema, path = '', describedByParent = false): JsonSchema {
  if ('$ref' in node || '$defs' in node || 'definitions' in node) {
    throw new Error(`${path || '<root>'}: references are not allowed in a CRD schema; inline the schema`);
  }
  if (!describedByParent && typeof node.description !== 'string') {
    throw new Error(`${path || '<root>'}: every field needs a description (use .describe() in the zod schema)`);
  }
  const out: JsonSchema = { ...node };

  if (Array.isArray(out.anyOf) || Array.isArray(out.oneOf)) {
    return intOrString(out, path);
  }

  if (out.type === 'integer' || out.type === 'number') dropUnsafeBounds(out);
  if (out.format === 'date-time') delete out.pattern; // the API server checks the format itself

  if (out.type === 'object') structuralObject(out, path);
  if (out.type === 'array') {
    if (out.uniqueItems) throw new Error(`${path}: uniqueItems is not allowed; use x-kubernetes-list-type: set`);
    if (Array.isArray(out.items) || typeof out.items !== 'object')
      throw new Error(`${path}: arrays need one item schema`);
    out.items = toStructural(out.items as JsonSchema, `${path}[*]`, true);
  }
  if (out.type === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    throw new Error(`${path}: every node of a structural schema needs a type`);
  }
  return withDescriptionFirst(out);
}

function structuralObject(out: JsonSchema, path: string): void {
  delete out.propertyNames;
  const properties = out.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, child]) => [name, toStructural(child, `${path}.${name}`)]),
    );
    delete out.additionalProperties; // zod's "no other keys" is what a structural schema means anyway
    completeDefault(out);
    return;
  }
  const additional = out.additionalProperties;
  if (additional === undefined || additional === false) return;
  if (additional === true || Object.keys(additional as JsonSchema).length === 0) {
    // z.record(z.string(), z.unknown()): any content, kept as written
    delete out.additionalProperties;
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  out.additionalProperties = toStructural(additional as JsonSchema, `${path}.*`, true);
}

/**
 * `.prefault({})` writes `default: {}`; the API server checks defaults against the CEL rules
 * without defaulting inside them first, so spell out the nested defaults it would apply.
 */
function completeDefault(node: JsonSchema): void {
  const value = node.default;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const filled: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, child] of Object.entries(node.properties as Record<string, JsonSchema>)) {
    if (!(name in filled) && child.default !== undefined) filled[name] = child.default;
  }
  node.default = filled;
}

/** `z.union([z.int(), z.string()])` is the only union a CRD can express: IntOrString. */
function intOrString(node: JsonSchema, path: string): JsonSchema {
  const branches = (node.anyOf ?? node.oneOf) as JsonSchema[];
  const intBranch = branches.find((b) => b.type === 'integer');
  const stringBranch = branches.find((b) => b.type === 'string');
  if (branches.length !== 2 || !intBranch || !stringBranch) {
    throw new Error(
      `${path}: only int-or-string unions are allowed in a CRD schema; express other choices as optional fields and a CEL rule`,
    );
  }
  const { anyOf: _a, oneOf: _o, ...rest } = node;
  const out: JsonSchema = {
    ...rest,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  };
  for (const key of INT_CONSTRAINTS) if (key in intBranch) out[key] = intBranch[key];
  for (const key of STRING_CONSTRAINTS) if (key in stringBranch) out[key] = stringBranch[key];
  dropUnsafeBounds(out);
  return withDescriptionFirst(out);
}

function dropUnsafeBounds(node: JsonSchema): void {
  if (node.minimum === -SAFE_INTEGER_BOUND) delete node.minimum;
  if (node.maximum === SAFE_INTEGER_BOUND) delete node.maximum;
}

/** `kubectl explain` and people reading the YAML both look for the description first. */
function withDescriptionFirst(node: JsonSchema): JsonSchema {
  const { description, ...rest } = node;
  return description === undefined ? rest : { description, ...rest };
}
