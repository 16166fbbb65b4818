// How a kind is named on the wire: group, version, plural and kind, the four things every list,
// watch, get and apply needs. Each kind's ResourceType is exported next to its schema (kubevdi's
// own) or in kubernetes-kinds.ts (the kinds of KubeVirt, CDI and Kubernetes kubevdi reads and
// writes), so the operator and the portal cannot spell one differently.
import type { KindDefinition } from './crd.js';
import { GROUP, VERSION } from './meta.js';

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The ResourceType of one of kubevdi's own kinds, from the definition its CRD is generated from. */
export function resourceTypeOf(definition: KindDefinition): ResourceType {
  return { group: GROUP, version: VERSION, plural: definition.plural, kind: definition.kind, namespaced: true };
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The path parameters of client-node's CustomObjectsApi calls for this kind. */
export function pathOf(type: ResourceType): { group: string; version: string; plural: string } {
  return { group: type.group, version: type.version, plural: type.plural };
}
