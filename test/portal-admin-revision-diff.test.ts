import { describe, expect, it } from 'vitest';
import { revisionDiff, showValue } from '../src/portal/admin/revision-diff.js';
import { adminTemplate, templateRevisions, templateRollouts } from '../src/portal/admin/template-summary.js';
import { routeOf, templateHash } from '../src/portal/web/admin/routes.js';

const spec = (over: Record<string, unknown> = {}) => ({
  os: { type: 'Linux' },
  resources: { cpu: { cores: 2, sockets: 1, threads: 1 }, memory: '4Gi' },
  rootDisk: { source: { dataSource: { name: 'golden' } }, size: '20Gi', bus: 'virtio' },
  firmware: { type: 'EFI', secureBoot: false },
  ...over,
});

describe('what changed between two template revisions', () => {
  it('names each changed field with its old and new value', () => {
    const changes = revisionDiff(
      spec(),
      spec({ resources: { cpu: { cores: 4, sockets: 1, threads: 1 }, memory: '8Gi' } }),
    );
    expect(changes.map((c) => c.text)).toEqual(['spec.resources.cpu.cores: 2 → 4', 'spec.resources.memory: 4Gi → 8Gi']);
    expect(changes[1]).toEqual({
      path: 'spec.resources.memory',
      change: 'changed',
      before: '4Gi',
      after: '8Gi',
      text: 'spec.resources.memory: 4Gi → 8Gi',
    });
  });

  it('says what was added and removed, also whole objects turned into their leaves', () => {
    const before = spec({ guest: { setHostname: true } });
    const after = spec({
      os: { type: 'Linux', version: 'fedora-42' },
      resources: undefined,
      instancetype: { name: 'u1.large', kind: 'VirtualMachineClusterInstancetype' },
      guest: { setHostname: true },
    });
    expect(revisionDiff(before, after).map((c) => [c.change, c.text])).toEqual([
      ['added', 'spec.os.version: (not set) → fedora-42'],
      ['removed', 'spec.resources.cpu.cores: 2 → (not set)'],
      ['removed', 'spec.resources.cpu.sockets: 1 → (not set)'],
      ['removed', 'spec.resources.cpu.threads: 1 → (not set)'],
      ['removed', 'spec.resources.memory: 4Gi → (not set)'],
      ['added', 'spec.instancetype.name: (not set) → u1.large'],
      ['added', 'spec.instancetype.kind: (not set) → VirtualMachineClusterInstancetype'],
    ]);
  });

  it('finds nothing between equal specs, whatever the key order', () => {
    const a = spec();
    const b = Object.fromEntries(Object.entries(spec()).reverse());
    expect(revisionDiff(a, b)).toEqual([]);
  });

  it('a switch of source shows both sides; lists of scalars stay one value; lists of objects go by index', () => {
    const changes = revisionDiff(
      { rootDisk: { source: { dataSource: { name: 'golden' } } }, tags: ['a'], items: [{ n: 1 }] },
      { rootDisk: { source: { containerDisk: { image: 'quay.io/x:1' } } }, tags: ['a', 'b'], items: [{ n: 2 }] },
    );
    expect(changes.map((c) => c.text)).toEqual([
      'spec.rootDisk.source.containerDisk.image: (not set) → quay.io/x:1',
      'spec.rootDisk.source.dataSource.name: golden → (not set)',
      'spec.tags: ["a"] → ["a","b"]',
      'spec.items[0].n: 1 → 2',
    ]);
  });

  it('shows values in one short line', () => {
    expect(showValue(undefined)).toBe('(not set)');
    expect(showValue(false)).toBe('false');
    expect(showValue({})).toBe('{}');
  });
});

describe('a template as the Templates view shows it', () => {
  const template = {
    metadata: { name: 'fedora', namespace: 'sales' },
    spec: { displayName: 'Fedora', os: { type: 'Linux' as const, version: '42' } },
    status: {
      revision: 3,
      currentRevision: 'fedora-c',
      conditions: [
        {
          type: 'Ready',
          status: 'False' as const,
          reason: 'SourceNotFound',
          message: 'DataSource sales/golden does not exist',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  };
  const pools = [
    {
      metadata: { name: 'desk', namespace: 'sales' },
      spec: { templateRef: { name: 'fedora' }, size: 3 },
      status: { templateRevision: 3, updated: 1 },
    },
    {
      metadata: { name: 'old', namespace: 'sales' },
      spec: { templateRef: { name: 'fedora', revision: 1 }, size: 1, displayName: 'Old desks' },
      status: { templateRevision: 1, updated: 1 },
    },
    { metadata: { name: 'other', namespace: 'sales' }, spec: { templateRef: { name: 'win' }, size: 1 } },
  ];
  const vm = (name: string, pool: string, revision: string) => ({
    metadata: {
      name,
      namespace: 'sales',
      labels: { 'kubevdi.io/pool': pool, 'kubevdi.io/template-revision': revision },
    },
  });
  const vms = [
    vm('desk-0', 'desk', '3'),
    vm('desk-1', 'desk', '1'),
    vm('desk-2', 'desk', '1'),
    vm('old-0', 'old', '1'),
  ];

  it('says in plain words why it is not ready, with the operator’s message', () => {
    expect(adminTemplate(template, pools)).toEqual({
      namespace: 'sales',
      name: 'fedora',
      displayName: 'Fedora',
      os: 'Linux 42',
      revision: 3,
      ready: 'False',
      problem: 'Its golden image (the root disk source) is missing, so no new desktop can be made from this template.',
      detail: 'DataSource sales/golden does not exist',
      pools: 2,
      rollingOut: 1,
    });
  });

  it('counts pools and desktops per revision, newest first', () => {
    const revisions = [1, 2, 3].map((n) => ({ metadata: { name: `fedora-${'abc'[n - 1]}` }, revision: n }));
    expect(templateRevisions(template, revisions, pools, vms)).toEqual([
      { number: 3, name: 'fedora-c', current: true, pools: ['desk'], desktops: 1 },
      { number: 2, name: 'fedora-b', current: false, pools: [], desktops: 0 },
      { number: 1, name: 'fedora-a', current: false, pools: ['Old desks'], desktops: 3 },
    ]);
    expect(templateRevisions(template, revisions, pools, undefined)[0]).not.toHaveProperty('desktops');
  });

  it('shows each pool’s rollout with its desktops by revision', () => {
    expect(templateRollouts(template, pools, vms)).toEqual([
      {
        namespace: 'sales',
        name: 'desk',
        displayName: 'desk',
        target: 3,
        updated: 1,
        size: 3,
        desktops: [
          { revision: '3', desktops: ['desk-0'] },
          { revision: '1', desktops: ['desk-1', 'desk-2'] },
        ],
      },
      {
        namespace: 'sales',
        name: 'old',
        displayName: 'Old desks',
        pinned: 1,
        target: 1,
        updated: 1,
        size: 1,
        desktops: [{ revision: '1', desktops: ['old-0'] }],
      },
    ]);
  });
});

describe('the Templates views’ addresses', () => {
  it('opens the list and one template by the hash', () => {
    expect(routeOf('#templates')).toEqual({ view: 'templates' });
    expect(routeOf(templateHash('team a', 'fedora'))).toEqual({
      view: 'template',
      namespace: 'team a',
      name: 'fedora',
    });
    expect(routeOf('#template/only-one')).toEqual({ view: 'overview' });
  });
});
