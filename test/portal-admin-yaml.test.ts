import { describe, expect, it } from 'vitest';
import { yamlOf } from '../src/portal/admin/yaml-routes.js';

const managedFields = [
  { manager: 'argocd-controller', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:size': {} } } },
  { manager: 'kubevdi', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:running': {} } } },
];

describe('an object’s YAML as the Admin Portal shows it', () => {
  it('leaves out managedFields and says who keeps a pool in Git', () => {
    const answer = yamlOf(
      'pool',
      {
        apiVersion: 'kubevdi.io/v1alpha1',
        kind: 'VirtualDesktopPool',
        metadata: { name: 'sales', namespace: 'team-a', managedFields },
        spec: { size: 3 },
      } as never,
      true,
    );
    expect(answer).toMatchObject({ kind: 'pool', namespace: 'team-a', name: 'sales' });
    expect(answer.yaml).toContain('size: 3');
    expect(answer.yaml).not.toContain('managedFields');
    expect(answer.gitops.map((g) => g.name)).toEqual(['argocd-controller', 'kubevdi']);
    expect(answer.owner).toBeUndefined();
  });

  it('names what made a desktop instead of warning about the operator’s own fields', () => {
    const answer = yamlOf(
      'desktop',
      {
        metadata: {
          name: 'sales-0',
          namespace: 'team-a',
          managedFields,
          ownerReferences: [
            { kind: 'Other', name: 'x' },
            { kind: 'VirtualDesktopPool', name: 'sales', controller: true },
          ],
        },
      } as never,
      false,
    );
    expect(answer.gitops).toEqual([]);
    expect(answer.owner).toEqual({ kind: 'VirtualDesktopPool', name: 'sales' });
  });

  it('gives a node no namespace', () => {
    const answer = yamlOf('node', { metadata: { name: 'node-1' } } as never, false);
    expect(answer).toEqual({ kind: 'node', name: 'node-1', yaml: 'metadata:\n  name: node-1\n', gitops: [] });
  });
});
