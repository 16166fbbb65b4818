// The pool form's pure parts: the API server's causes on the form's fields, the object a form
// applies and the form an object fills, and who keeps a pool (Argo CD, Flux, another applier).
import { describe, expect, it } from 'vitest';
import { changedPaths, wordsOf } from '../src/portal/admin/committable.js';
import { gitopsManagers, owns } from '../src/portal/admin/gitops.js';
import { causesOf, fieldOf, formOf, poolOf, yamlOf } from '../src/portal/admin/pool-form.js';

describe('the API server’s causes on the form', () => {
  it('puts each cause beside the field it names, in the rule’s own words', () => {
    // As kube-apiserver answers a server-side apply dry run that breaks two CEL rules and the schema.
    const status = JSON.stringify({
      kind: 'Status',
      status: 'Failure',
      message: 'VirtualDesktopPool.kubevdi.io "x" is invalid: [...]',
      reason: 'Invalid',
      code: 422,
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: "integer": prestarted cannot be larger than size: a pool cannot keep more desktops warm than it has',
            field: 'spec.prestarted',
          },
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "integer": maxDesktopsPerUser must be at least 1',
            field: 'spec.maxDesktopsPerUser',
          },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.templateRef.name' },
          {
            reason: 'FieldValueNotSupported',
            message: 'Unsupported value: "Sometimes": supported values: "Release", "None"',
            field: 'spec.session.logoff.action',
          },
          { reason: 'FieldValueInvalid', message: 'Invalid value: "x": too long', field: 'spec.placement.affinity' },
        ],
      },
    });
    expect(causesOf(status)).toEqual([
      {
        field: 'prestarted',
        message: 'prestarted cannot be larger than size: a pool cannot keep more desktops warm than it has',
      },
      { field: 'maxDesktopsPerUser', message: 'maxDesktopsPerUser must be at least 1' },
      { field: 'template', message: 'Required value' },
      { field: 'logoffAction', message: 'Unsupported value: "Sometimes": supported values: "Release", "None"' },
      { field: undefined, message: 'spec.placement.affinity: too long' },
    ]);
  });

  it('maps list items and names, and keeps the message of a Status without causes', () => {
    expect(fieldOf('spec.access.users[3]')).toBe('users');
    expect(fieldOf('spec.access.groups')).toBe('groups');
    expect(fieldOf('metadata.name')).toBe('name');
    expect(fieldOf('spec.rdp.enabled')).toBeUndefined();
    expect(causesOf({ message: 'the server could not find the requested resource' })).toEqual([
      { message: 'the server could not find the requested resource' },
    ]);
    // kube-apiserver 1.36 leaves the value out of CEL messages: the rule's words may hold colons.
    expect(wordsOf('Invalid value: prestarted cannot be larger than size: a pool cannot…')).toBe(
      'prestarted cannot be larger than size: a pool cannot…',
    );
    expect(wordsOf('Invalid value: 0: must be at least 1')).toBe('must be at least 1');
    expect(wordsOf('Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must…')).toBe(
      'a lowercase RFC 1123 subdomain must…',
    );
  });
});

describe('form ↔ pool', () => {
  const form = {
    displayName: ' Sales ',
    template: 'fedora',
    revision: null,
    size: 3,
    prestarted: null,
    maxDesktopsPerUser: 1,
    assignment: 'Automatic',
    persistence: 'Stateless',
    users: [' oidc:ada ', '', 'oidc:ada'],
    groups: [],
    logoffAction: 'Release',
    logoffGraceMinutes: 5,
    idleAction: 'None',
    idleTimeoutMinutes: null,
    scheduled: false,
    timeZone: '',
    windows: [],
    offPeakWarm: null,
    powerOffDelayMinutes: null,
    warmTimeToLiveMinutes: null,
    rampDownIdleMinutes: null,
    rampDownAction: 'PowerOff',
    rampDownEvenIfLoggedOn: false,
  };

  it('applies the fields the person filled, leaving empty ones to the API server’s defaults', () => {
    expect(poolOf('ns', 'sales', form)).toEqual({
      apiVersion: 'kubevdi.io/v1alpha1',
      kind: 'VirtualDesktopPool',
      metadata: { name: 'sales', namespace: 'ns' },
      spec: {
        displayName: 'Sales',
        templateRef: { name: 'fedora' },
        size: 3,
        maxDesktopsPerUser: 1,
        assignment: 'Automatic',
        persistence: 'Stateless',
        access: { users: ['oidc:ada'], groups: [] },
        session: { logoff: { action: 'Release', gracePeriodMinutes: 5 }, idle: { action: 'None' } },
      },
    });
  });

  it('applies a schedule as entered: counts as numbers, percentages as typed; none when not scheduled', () => {
    const scheduled = {
      ...form,
      scheduled: true,
      timeZone: ' Europe/Berlin ',
      windows: [
        {
          name: 'office',
          days: ['Monday', 'Friday'],
          from: '08:00',
          to: '18:00',
          warm: ' 20 ',
          minWarm: null,
          maxWarm: null,
        },
        { name: 'sat', days: ['Saturday'], from: '09:00', to: '13:00', warm: '50%', minWarm: 1, maxWarm: 4 },
      ],
      offPeakWarm: 2,
      powerOffDelayMinutes: null,
      warmTimeToLiveMinutes: 240,
      rampDownIdleMinutes: 30,
      rampDownAction: 'Release',
    };
    const pool = poolOf('ns', 'sales', scheduled);
    expect(pool.spec?.capacity).toEqual({
      timeZone: 'Europe/Berlin',
      schedules: [
        { name: 'office', days: ['Monday', 'Friday'], from: '08:00', to: '18:00', warm: 20 },
        { name: 'sat', days: ['Saturday'], from: '09:00', to: '13:00', warm: '50%', minWarm: 1, maxWarm: 4 },
      ],
      offPeakWarm: 2,
      warmTimeToLiveMinutes: 240,
      rampDown: { idleMinutes: 30, action: 'Release', evenIfLoggedOn: false },
    });
    expect(formOf(pool)).toMatchObject({
      scheduled: true,
      timeZone: 'Europe/Berlin',
      windows: [
        { name: 'office', warm: '20', minWarm: null },
        { warm: '50%', minWarm: 1, maxWarm: 4 },
      ],
      offPeakWarm: 2,
      powerOffDelayMinutes: null,
      rampDownIdleMinutes: 30,
      rampDownAction: 'Release',
    });
    expect(poolOf('ns', 'sales', { ...scheduled, rampDownIdleMinutes: null }).spec?.capacity).not.toHaveProperty(
      'rampDown',
    );
    expect(poolOf('ns', 'sales', { ...scheduled, scheduled: false }).spec).not.toHaveProperty('capacity');
    expect(formOf(poolOf('ns', 'sales', form))).toMatchObject({ scheduled: false, windows: [] });
  });

  it('says which window the API server refused, and puts a refusal of the schedule on the windows', () => {
    const status = {
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: "object": windows office and late overlap on a day they share: on one day, a window must close at or before the next opens',
            field: 'spec.capacity.schedules',
          },
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "object": from must be before to: a window lies within one day',
            field: 'spec.capacity.schedules[1].to',
          },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.capacity.timeZone' },
        ],
      },
    };
    expect(causesOf(status)).toEqual([
      {
        field: 'windows',
        message:
          'windows office and late overlap on a day they share: on one day, a window must close at or before the next opens',
      },
      { field: 'windows', message: 'Window 2: from must be before to: a window lies within one day' },
      { field: 'timeZone', message: 'Required value' },
    ]);
    expect(fieldOf('spec.capacity')).toBe('scheduled');
    expect(fieldOf('spec.capacity.offPeakWarm')).toBe('offPeakWarm');
  });

  it('fills the form from a pool and finds what a change touches', () => {
    const live = poolOf('ns', 'sales', { ...form, prestarted: 1, idleTimeoutMinutes: 120 });
    const back = formOf(live);
    expect(back).toMatchObject({ displayName: 'Sales', prestarted: 1, users: ['oidc:ada'], revision: null });
    expect(changedPaths(live, poolOf('ns', 'sales', { ...back, size: 5, users: ['oidc:bob'] }))).toEqual([
      ['spec', 'size'],
      ['spec', 'access', 'users'],
    ]);
  });

  it('renders YAML to commit without status, managedFields or last-applied', () => {
    const yaml = yamlOf({
      apiVersion: 'kubevdi.io/v1alpha1',
      kind: 'VirtualDesktopPool',
      metadata: {
        name: 'p',
        namespace: 'ns',
        uid: 'u',
        resourceVersion: '1',
        managedFields: [{ manager: 'x' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      spec: { size: 1 },
      status: { ready: 1 },
    });
    expect(yaml).toBe(
      'apiVersion: kubevdi.io/v1alpha1\nkind: VirtualDesktopPool\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  size: 1\n',
    );
  });
});

describe('who keeps a pool', () => {
  it('recognises Argo CD by its tracking annotation (and the instance label)', () => {
    expect(
      gitopsManagers({
        labels: { 'app.kubernetes.io/instance': 'desktops-sales' },
        annotations: { 'argocd.argoproj.io/tracking-id': 'desktops-sales:kubevdi.io/VirtualDesktopPool:vdi-sales/cc' },
      }),
    ).toEqual([{ tool: 'Argo CD', name: 'desktops-sales', how: 'argocd.argoproj.io annotations' }]);
    // The instance label alone is Helm's or anyone's: not Argo CD's sign.
    expect(gitopsManagers({ labels: { 'app.kubernetes.io/instance': 'x' } })).toEqual([]);
    expect(gitopsManagers({ annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } })).toHaveLength(1);
  });

  it('recognises Flux Kustomizations and HelmReleases by their labels', () => {
    expect(
      gitopsManagers({
        labels: {
          'kustomize.toolkit.fluxcd.io/name': 'desktops-sales',
          'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
          'helm.toolkit.fluxcd.io/name': 'vdi',
        },
      }).map((m) => `${m.tool} ${m.name}`),
    ).toEqual(['Flux flux-system/desktops-sales', 'Flux vdi']);
  });

  it('counts another applier only where it owns a field being changed, never the portal or status', () => {
    const managedFields = [
      {
        manager: 'kubectl',
        operation: 'Apply',
        fieldsV1: { 'f:spec': { 'f:size': {}, 'f:templateRef': { 'f:name': {} } } },
      },
      { manager: 'kubevdi-portal', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:prestarted': {} } } },
      { manager: 'kubevdi', operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': {} } },
      { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:prestarted': {} } } },
    ];
    expect(gitopsManagers({ managedFields }, [['spec', 'size']]).map((m) => m.name)).toEqual(['kubectl']);
    expect(gitopsManagers({ managedFields }, [['spec', 'prestarted']])).toEqual([]);
    expect(gitopsManagers({ managedFields }).map((m) => m.name)).toEqual(['kubectl']);
    expect(owns({ 'f:spec': { 'f:access': { 'f:users': {} } } }, ['spec', 'access', 'users'])).toBe(true);
    expect(owns({ 'f:spec': { 'f:access': {} } }, ['spec', 'access', 'users'])).toBe(false);
  });
});
