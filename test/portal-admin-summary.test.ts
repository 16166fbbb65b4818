import { describe, expect, it } from 'vitest';
import { administers, namespaceAccess } from '../src/portal/admin/access.js';
import {
  adminPool,
  desktopRows,
  hostRows,
  matchesUser,
  overview,
  sessionRows,
  type VmObject,
} from '../src/portal/admin/summary.js';
import type { ClaimObject } from '../src/portal/kube-objects.js';

const pool = (name: string, spec: object, status: object = {}) => ({
  metadata: { name, namespace: 'sales' },
  spec: { templateRef: { name: 'fedora' }, size: 2, prestarted: 1, ...spec },
  status,
});
const claim = (name: string, user: string, status: object = {}) => ({
  metadata: { name, namespace: 'sales' },
  spec: { poolRef: { name: 'desk' }, user },
  status,
});

describe('the Admin Portal’s overview', () => {
  it('puts what needs attention first: degraded pools, people waiting on a full pool, templates, failing desktops', () => {
    const { pools, attention } = overview({
      pools: [
        pool('desk', { size: 2 }, { ready: 2, available: 0, assigned: 2, updated: 2 }),
        pool(
          'broken',
          {},
          { conditions: [{ type: 'Degraded', status: 'True', reason: 'TemplateNotFound', message: 'no template' }] },
        ),
      ],
      templates: [
        {
          metadata: { name: 'win', namespace: 'sales' },
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                reason: 'SourceMissing',
                message: 'gone',
                lastTransitionTime: '2026-12-05T08:00:00Z',
              },
            ],
          },
        },
      ],
      claims: [claim('a', 'alice', { phase: 'Bound' }), claim('b', 'bob', { phase: 'Pending' }), claim('c', 'carol')],
      desktops: [
        {
          metadata: { name: 'desk-1', namespace: 'sales', labels: { 'kubevdi.io/pool': 'desk' } },
          status: { printableStatus: 'CrashLoopBackOff' },
        },
      ],
    });
    expect(pools.map((p) => [p.name, p.waiting])).toEqual([
      ['broken', 0],
      ['desk', 2],
    ]);
    expect(attention.map((a) => [a.severity, a.kind, a.name])).toEqual([
      ['critical', 'pool', 'broken'],
      ['critical', 'pool', 'desk'],
      ['critical', 'template', 'win'],
      ['warning', 'desktop', 'desk-1'],
    ]);
    expect(attention[1]?.summary).toBe('Pool desk has no desktop free and 2 people wait');
  });
});

describe('a pool’s last day', () => {
  it('sums the whole hours of its status.usage into desktop-hours, and is absent before the first hour', () => {
    const hour = (start: string, runningHeld: number, runningFree: number, halted: number) => ({
      start,
      runningHeld,
      runningFree,
      halted,
    });
    const usage = {
      hours: [
        hour('2026-12-07T12:00:00Z', 7200, 3600, 1800),
        hour('2026-12-07T13:00:00Z', 3600, 3600, 0),
        hour('2026-12-07T14:00:00Z', 900, 900, 0), // the current hour, so far: not in the last day
      ],
    };
    const now = new Date('2026-12-07T14:20:00Z');
    expect(adminPool(pool('desk', {}, { usage }), [], now).lastDay).toEqual({
      from: '2026-12-06T14:00:00.000Z',
      to: '2026-12-07T14:00:00.000Z',
      runningHeld: 3,
      runningFree: 2,
      halted: 0.5,
      hoursCounted: 2,
    });
    expect(adminPool(pool('desk', {}), [], now).lastDay).toBeUndefined();
  });
});

describe('desktops, sessions and hosts', () => {
  const vms: VmObject[] = [
    {
      metadata: { name: 'desk-10', namespace: 'sales', labels: { 'kubevdi.io/pool': 'desk' } },
      status: { printableStatus: 'Stopped' },
    },
    {
      metadata: {
        name: 'desk-2',
        namespace: 'sales',
        labels: { 'kubevdi.io/pool': 'desk', 'kubevdi.io/template-revision': '3' },
        annotations: { 'kubevdi.io/claim': 'a', 'kubevdi.io/assigned-to': 'alice' },
      },
      status: { printableStatus: 'Running', ready: true },
    },
  ];
  const vmis = [{ metadata: { name: 'desk-2', namespace: 'sales' }, status: { nodeName: 'node-a' } }];
  const claims: ClaimObject[] = [
    claim('a', 'alice', {
      phase: 'Bound',
      desktop: { name: 'desk-2', ready: true },
      session: { loggedInUsers: [{ userName: 'alice', domain: 'CORP', loginTime: '2026-12-05T08:00:00Z' }] },
    }),
    claim('r', 'bob', { phase: 'Released' }),
  ];

  it('shows each desktop with its node, revision, holder and who is logged on, in natural order', () => {
    const rows = desktopRows('desk', vms, vmis, claims);
    expect(rows.map((r) => r.name)).toEqual(['desk-2', 'desk-10']);
    expect(rows[0]).toMatchObject({ node: 'node-a', revision: '3', holder: 'alice', claim: 'a', ready: true });
    expect(rows[0]?.loggedOn).toEqual([{ userName: 'alice', domain: 'CORP', since: '2026-12-05T08:00:00Z' }]);
    expect(rows[1]).toMatchObject({ state: 'Stopped', loggedOn: [] });
  });

  it('finds a user’s session by their name or their name inside the guest, and leaves released claims out', () => {
    const sessions = sessionRows(claims, vmis);
    expect(sessions.map((s) => [s.user, s.desktop, s.node])).toEqual([['alice', 'desk-2', 'node-a']]);
    expect(sessions.filter((s) => matchesUser(s, 'ALI'))).toHaveLength(1);
    expect(sessions.filter((s) => matchesUser(s, 'bob'))).toHaveLength(0);
  });

  it('counts desktops per node', () => {
    const nodes = [
      {
        metadata: { name: 'node-a' },
        status: { allocatable: { cpu: '16', memory: '64Gi' }, conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ];
    expect(hostRows(nodes, vmis)).toEqual([{ name: 'node-a', ready: true, cpu: '16', memory: '64Gi', desktops: 1 }]);
  });
});

describe('what an administrator may do', () => {
  it('reads the rules as RBAC does: rules limited to names do not make a list', () => {
    const viewer = namespaceAccess('sales', [
      {
        apiGroups: ['kubevdi.io'],
        resources: ['virtualdesktoppools', 'desktopclaims'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: ['list'] },
    ]);
    expect(viewer.pools).toEqual({ list: true, create: false, update: false, delete: false });
    expect(viewer.claims).toEqual({ list: true, delete: false, patch: false });
    expect(administers(viewer)).toBe(true);
    const user = namespaceAccess('sales', [
      { apiGroups: ['kubevdi.io'], resources: ['virtualdesktoppools', 'vmtemplates'], verbs: ['get', 'list', 'watch'] },
      {
        apiGroups: ['kubevdi.io'],
        resources: ['desktopclaims'],
        resourceNames: ['mine'],
        verbs: ['get', 'list', 'delete', 'patch'],
      },
      {
        apiGroups: ['subresources.kubevirt.io'],
        resources: ['virtualmachines/restart'],
        resourceNames: ['desk-1'],
        verbs: ['update'],
      },
    ]);
    expect(user.claims).toEqual({ list: false, delete: false, patch: false });
    expect(user.desktops.restart).toBe(false);
    expect(administers(user)).toBe(false);
  });
});
