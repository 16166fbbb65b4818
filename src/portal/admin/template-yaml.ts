// A template edited as YAML in the Admin Portal → the object to apply. Pure. Only what is the
// person's to say is kept: the spec, labels and annotations; the name and namespace are the ones
// being edited (a YAML naming another template is refused, not applied elsewhere); what the cluster
// adds (status, uid, managedFields...) is left out. Whether the spec is right is the API server's
// to judge, by its schema and CEL rules, in a dry run.
import { parseDocument } from 'yaml';
import { API_VERSION } from '../../api/meta.js';
import { committable, type KubeObject, record, str } from './committable.js';
import type { FieldCause } from './pool-edit-types.js';

export const TEMPLATE_KIND = { apiVersion: API_VERSION, kind: 'VMTemplate' };

export type ParsedTemplate = { object: KubeObject } | { causes: FieldCause[] };

/** `name` is the template being edited; a new one (undefined) takes its name from the YAML. */
export function templateFromYaml(text: string, namespace: string, name?: string): ParsedTemplate {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0)
    return { causes: document.errors.map((e) => ({ message: `The YAML cannot be read: ${e.message}` })) };
  let value: unknown;
  try {
    value = document.toJS();
  } catch (err) {
    // The yaml library's guard against "billion laughs" (anchors nested to blow up in memory).
    return { causes: [{ message: `The YAML cannot be read: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  if (record(value) !== value)
    return {
      causes: [{ message: 'The YAML must be one VMTemplate: a mapping with apiVersion, kind, metadata and spec.' }],
    };
  const object = value as KubeObject;
  const causes: FieldCause[] = [];
  if (object.kind !== undefined && object.kind !== TEMPLATE_KIND.kind)
    causes.push({
      field: 'kind',
      message: `This editor changes a VMTemplate, not a ${str(object.kind, 'different kind')}.`,
    });
  if (object.apiVersion !== undefined && object.apiVersion !== TEMPLATE_KIND.apiVersion)
    causes.push({ field: 'apiVersion', message: `A VMTemplate's apiVersion is ${TEMPLATE_KIND.apiVersion}.` });
  const metadata = record(object.metadata);
  const named = str(metadata.name);
  if (name === undefined && !named)
    causes.push({ field: 'metadata.name', message: 'A new template needs a name: metadata.name.' });
  if (name !== undefined && named && named !== name)
    causes.push({
      field: 'metadata.name',
      message: `The YAML names template ${named}, but this is ${name}. A template is renamed by creating a new one.`,
    });
  const where = str(metadata.namespace);
  if (where && where !== namespace)
    causes.push({
      field: 'metadata.namespace',
      message: `The YAML is for namespace ${where}, but this is ${namespace}.`,
    });
  if (record(object.spec) !== object.spec) causes.push({ field: 'spec', message: 'A template needs a spec.' });
  if (causes.length > 0) return { causes };
  return {
    object: committable(
      {
        ...object,
        apiVersion: TEMPLATE_KIND.apiVersion,
        kind: TEMPLATE_KIND.kind,
        metadata: { ...metadata, name: name ?? named, namespace },
      },
      TEMPLATE_KIND,
    ),
  };
}
