import { describe, expect, it } from 'vitest';
import { toAdminEvent } from '../src/portal/admin/event-stream.js';
import { poolHash, routeOf, yamlHash } from '../src/portal/web/admin/routes.js';

describe('the Admin Portal’s addresses', () => {
  it('names each view by the hash, so links, back and reload land on it', () => {
    expect(routeOf('')).toEqual({ view: 'overview' });
    expect(routeOf('#nonsense/x')).toEqual({ view: 'overview' });
    expect(routeOf(poolHash('team a', 'sales'))).toEqual({ view: 'pool', namespace: 'team a', name: 'sales' });
    expect(routeOf('#sessions/oidc%3Aada%40example.com')).toEqual({ view: 'sessions', user: 'oidc:ada@example.com' });
    expect(routeOf('#sessions')).toEqual({ view: 'sessions' });
    expect(routeOf('#events')).toEqual({ view: 'events' });
    expect(routeOf(yamlHash('desktop', 'sales', 'sales-0'))).toEqual({
      view: 'yaml',
      kind: 'desktop',
      namespace: 'sales',
      name: 'sales-0',
    });
    expect(routeOf(yamlHash('node', undefined, 'node-1'))).toEqual({ view: 'yaml', kind: 'node', name: 'node-1' });
    // A kind it does not show, or a node with a namespace, is no YAML view.
    expect(routeOf('#yaml/secret/sales/x')).toEqual({ view: 'overview' });
    expect(routeOf('#yaml/node/sales/x')).toEqual({ view: 'overview' });
  });
});

describe('an Event as the Admin Portal shows it', () => {
  it('takes the latest of its times and the object it is about', () => {
    expect(
      toAdminEvent({
        metadata: { name: 'sales-0.1', namespace: 'sales' },
        involvedObject: { kind: 'VirtualMachine', name: 'sales-0' },
        reason: 'AdminRestart',
        message: 'carol asked desktop sales-0 to restart from the Admin Portal',
        type: 'Normal',
        firstTimestamp: new Date('2026-12-05T08:00:00Z'),
        lastTimestamp: new Date('2026-12-05T09:00:00Z'),
        count: 2,
      }),
    ).toEqual({
      namespace: 'sales',
      name: 'sales-0.1',
      type: 'Normal',
      reason: 'AdminRestart',
      message: 'carol asked desktop sales-0 to restart from the Admin Portal',
      kind: 'VirtualMachine',
      object: 'sales-0',
      time: '2026-12-05T09:00:00.000Z',
      count: 2,
      source: '',
    });
  });

  it('names who recorded it only where the events admission policy checked it', () => {
    const event = (component: string, annotations?: Record<string, string>) =>
      toAdminEvent({
        metadata: { name: 'sales-0.2', namespace: 'sales', annotations },
        involvedObject: { kind: 'DesktopClaim', name: 'alice' },
        reason: 'ForceReleased',
        message: "carol released alice's desktop sales-0 from the Admin Portal",
        source: { component },
        reportingComponent: component,
      });
    expect(event('kubevdi-portal', { 'kubevdi.io/actor': 'carol' })).toMatchObject({ recordedBy: 'carol' });
    expect(event('kubevdi.io/operator')).toMatchObject({ recordedBy: 'the kubevdi operator' });
    // A portal Event without its checked actor, or anyone else's: not kubevdi's record.
    expect(event('kubevdi-portal').recordedBy).toBeUndefined();
    expect(event('carols-notes', { 'kubevdi.io/actor': 'bob' })).toMatchObject({ source: 'carols-notes' });
    expect(event('carols-notes', { 'kubevdi.io/actor': 'bob' }).recordedBy).toBeUndefined();
  });
});
