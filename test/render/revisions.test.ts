import type { V1ControllerRevision } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { VMTemplateSpec } from '../../src/api/vmtemplate.js';
import {
  renderRevision,
  revisionName,
  revisionsToPrune,
  specOfRevision,
  stableJson,
} from '../../src/render/revisions.js';

const spec = VMTemplateSpec.parse({
  displayName: 'Fedora',
  os: { type: 'Linux' },
  resources: { cpu: { cores: 2 }, memory: '4Gi' },
  rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
});

describe('template revisions', () => {
  it('are named by a hash of what desktops are made from, not by the display name or history limit', () => {
    const renamed = { ...spec, displayName: 'Fedora Workstation', revisionHistoryLimit: 3 };
    expect(revisionName('fedora', renamed)).toBe(revisionName('fedora', spec));
    expect(
      revisionName('fedora', { ...spec, resources: { cpu: { cores: 4, sockets: 1, threads: 1 }, memory: '4Gi' } }),
    ).not.toBe(revisionName('fedora', spec));
    expect(revisionName('fedora', spec)).toMatch(/^fedora-[0-9a-f]{10}$/);
  });

  it('hash the same whatever order the keys come in', () => {
    expect(stableJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('keep the spec, owned by the template, and give it back', () => {
    const template = {
      apiVersion: 'kubevdi.io/v1alpha1' as const,
      kind: 'VMTemplate' as const,
      metadata: { name: 'fedora', namespace: 'ns', uid: 'u-1' },
      spec,
    };
    const revision = renderRevision(template, 3);
    expect(revision.revision).toBe(3);
    expect(revision.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'VMTemplate',
      name: 'fedora',
      uid: 'u-1',
      controller: true,
    });
    expect(specOfRevision(revision)).toEqual({ ...spec, displayName: undefined, revisionHistoryLimit: 10 });
  });

  it('prune the oldest beyond the limit but never the current one or one in use', () => {
    const rev = (n: number): V1ControllerRevision => ({ metadata: { name: `t-${n}` }, revision: n });
    const all = [1, 2, 3, 4, 5, 6].map(rev);
    const pruned = revisionsToPrune(all, 't-6', new Set([1]), 2).map((r) => r.revision);
    expect(pruned).toEqual([3, 2]);
  });
});
