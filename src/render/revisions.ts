// Template revisions, like StatefulSet's: every distinct spec is one immutable ControllerRevision
// named `<template>-<hash>`, numbered in the order it became current. Pure functions only.
import { createHash } from 'node:crypto';
import type { V1ControllerRevision } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../api/labels.js';
import { API_VERSION } from '../api/meta.js';
import { type VMTemplate, VMTemplateSpec } from '../api/vmtemplate.js';

/** The part of a template's spec that desktops are made from: naming and history are not. */
export function revisionSpec(spec: VMTemplateSpec): Omit<VMTemplateSpec, 'displayName' | 'revisionHistoryLimit'> {
  const { displayName: _d, revisionHistoryLimit: _r, ...rest } = spec;
  return rest;
}

/** JSON with sorted keys, so equal specs hash equally whatever order the server kept. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashOf(value: unknown, length = 10): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, length);
}

export function revisionName(template: string, spec: VMTemplateSpec): string {
  return `${template}-${hashOf(revisionSpec(spec))}`;
}

export function renderRevision(template: VMTemplate, revision: number): V1ControllerRevision {
  const name = template.metadata.name as string;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(name, template.spec),
      namespace: template.metadata.namespace,
      labels: { [LABELS.template]: name, [LABELS.managedBy]: MANAGED_BY },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'VMTemplate',
          name,
          uid: template.metadata.uid as string,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: { spec: revisionSpec(template.spec) },
    revision,
  };
}

/** The template spec stored in a revision, checked against today's schema. */
export function specOfRevision(revision: V1ControllerRevision): VMTemplateSpec {
  return VMTemplateSpec.parse((revision.data as { spec?: unknown } | undefined)?.spec);
}

/**
 * Which revisions to delete: the old ones beyond the newest `limit`, never the current one and never one a
 * pool or desktop still uses (a pinned pool must be able to make desktops from it).
 */
export function revisionsToPrune(
  revisions: readonly V1ControllerRevision[],
  current: string,
  inUse: ReadonlySet<number>,
  limit: number,
): V1ControllerRevision[] {
  const old = revisions
    .filter((r) => r.metadata?.name !== current && !inUse.has(r.revision))
    .sort((a, b) => b.revision - a.revision);
  return old.slice(limit);
}
