// The admission policies against what a person could plant or forge, through the real API server
// with RBAC on: each case is a request a test user makes as themself, answered by the API server
// (writes as server-side dry runs where nothing needs to stay). No operator runs here.
import { CoreV1Api, type CoreV1Event, CustomObjectsApi, EventsV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { RELEASE_FINALIZER } from '../src/api/finalizers.js';
import { API_VERSION } from '../src/api/index.js';
import {
  ACTOR_ANNOTATION,
  OPERATOR_CONTROLLER,
  PORTAL_COMPONENT,
  recordAdminEvent,
} from '../src/portal/admin/admin-events.js';
import { toAdminEvent } from '../src/portal/admin/event-stream.js';
import { applyAs, bindClusterRole, createNamespace, kubeconfig, refusal, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';

const namespace = useTestNamespace('admission');
const KUBEVDI = { group: 'kubevdi.io', version: 'v1alpha1' };

/** alice may create claims (kubevdi:user) and use pool `sales` (what the pool's access grants her). */
async function entitleAlice(): Promise<void> {
  await bindClusterRole(namespace(), 'kubevdi:user', 'vdi-users');
  const apply = applyAs();
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'use-sales', namespace: namespace() },
    rules: [
      { apiGroups: ['kubevdi.io'], resources: ['virtualdesktoppools'], resourceNames: ['sales'], verbs: ['use'] },
    ],
  });
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'use-sales', namespace: namespace() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'use-sales' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  });
}

function createClaimAs(user: string, metadata: Record<string, unknown>) {
  return kubeconfig(user)
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      ...KUBEVDI,
      plural: 'desktopclaims',
      namespace: namespace(),
      dryRun: 'All',
      body: {
        apiVersion: API_VERSION,
        kind: 'DesktopClaim',
        metadata: { name: 'mine', ...metadata },
        spec: { poolRef: { name: 'sales' }, user },
      },
    });
}

describe('the claim admission policy at creation', () => {
  const BARE =
    'a claim you create may carry no finalizers but kubevdi.io/release-desktop, no owner references or labels, and no annotations but kubevdi.io/activity';

  it('refuses a claim created with a foreign finalizer, owner reference, label or annotation, and takes a plain one', async () => {
    await entitleAlice();
    const planted: Record<string, Record<string, unknown>> = {
      finalizer: { finalizers: ['example.com/never-let-go'] },
      'finalizer beside kubevdi’s': { finalizers: [RELEASE_FINALIZER, 'example.com/never-let-go'] },
      'owner reference': {
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'anything', uid: '0d4f1c2e-0000-4000-8000-000000000000' },
        ],
      },
      label: { labels: { 'kubevdi.io/pool': 'other' } },
      annotation: { annotations: { 'kubevdi.io/claim-uid': 'forged' } },
    };
    for (const [what, metadata] of Object.entries(planted)) {
      const { code, message } = await refusal(createClaimAs('alice', metadata));
      expect({ what, code, message }).toEqual({ what, code: 403, message: expect.stringContaining(BARE) });
    }
    // What the portal (kubevdi's own release finalizer) and `kubectl apply -f claim.yaml` send still passes.
    await createClaimAs('alice', {});
    await createClaimAs('alice', { generateName: 'released-', name: undefined, finalizers: [RELEASE_FINALIZER] });
    await createClaimAs('alice', { generateName: 'sales-', name: undefined });
    await createClaimAs('alice', {
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubevdi.io/activity': 'now' },
    });
  });

  it('lets a pool administrator create a claim with metadata (they may assign)', async () => {
    await bindClusterRole(namespace(), 'kubevdi:pool-admin', 'vdi-pool-admins');
    await createClaimAs('carol', { labels: { team: 'sales' }, finalizers: ['example.com/audit'] });
  });
});

describe('the events admission policy: only the person who acted, or the operator, writes kubevdi’s record', () => {
  const claimRef = (name: string) => ({ apiVersion: API_VERSION, kind: 'DesktopClaim', name, namespace: namespace() });
  const coreEvent = (metadata: Record<string, unknown>, extra: Record<string, unknown>): CoreV1Event => ({
    metadata: { name: `forged.${Math.random().toString(16).slice(2)}`, namespace: namespace(), ...metadata },
    involvedObject: claimRef('alices-claim'),
    reason: 'ForceReleased',
    message: "bob released alice's desktop sales-3 from the Admin Portal",
    type: 'Normal',
    ...extra,
  });
  const createCore = (user: string, body: CoreV1Event) =>
    kubeconfig(user).makeApiClient(CoreV1Api).createNamespacedEvent({ namespace: namespace(), body });

  it("refuses a pool admin's Event saying someone else force-released a desktop, as the portal or as the operator", async () => {
    await bindClusterRole(namespace(), 'kubevdi:pool-admin', 'vdi-pool-admins');
    const asPortal = { source: { component: PORTAL_COMPONENT }, reportingComponent: PORTAL_COMPONENT };
    const bobDidIt = await refusal(
      createCore('carol', coreEvent({ annotations: { [ACTOR_ANNOTATION]: 'bob' } }, asPortal)),
    );
    expect(bobDidIt).toEqual({
      code: 403,
      message: expect.stringContaining(
        'an Event recorded as the kubevdi Admin Portal names who acted in the kubevdi.io/actor annotation, and that must be you: set it to "carol"',
      ),
    });
    const nobodyNamed = await refusal(createCore('carol', coreEvent({}, { source: { component: PORTAL_COMPONENT } })));
    expect(nobodyNamed.message).toContain('that must be you');
    const asOperator = await refusal(
      createCore(
        'carol',
        coreEvent(
          {},
          { reportingComponent: OPERATOR_CONTROLLER, reportingInstance: 'kubevdi-forged', action: 'DesktopReleased' },
        ),
      ),
    );
    expect(asOperator).toEqual({
      code: 403,
      message: expect.stringContaining('only the kubevdi operator records Events as kubevdi.io/operator'),
    });
    // Her own notes, which do not claim to be kubevdi's record, are hers to write; the portal says whose.
    const note = await createCore('carol', coreEvent({}, { source: { component: 'carols-notes' } }));
    expect(toAdminEvent(note)).toMatchObject({ source: 'carols-notes' });
    expect(toAdminEvent(note).recordedBy).toBeUndefined();
  });

  it("records the portal's own Event naming the person, and the operator's as the operator", async () => {
    await bindClusterRole(namespace(), 'kubevdi:pool-admin', 'vdi-pool-admins');
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as FastifyBaseLogger;
    await recordAdminEvent(kubeconfig('carol'), log, {
      actor: 'carol',
      namespace: namespace(),
      involved: { apiVersion: API_VERSION, kind: 'DesktopClaim', name: 'alices-claim' },
      reason: 'ForceReleased',
      message: "carol released alice's desktop sales-3 from the Admin Portal",
    });
    expect(warnings).toEqual([]);
    const events = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() });
    expect(events.items.map(toAdminEvent)).toEqual([
      expect.objectContaining({ reason: 'ForceReleased', recordedBy: 'carol', source: PORTAL_COMPONENT }),
    ]);
    // The operator's recorder, as the operator's own identity (the chart's ServiceAccount; a user here).
    await kubeconfig('kubevdi-operator')
      .makeApiClient(EventsV1Api)
      .createNamespacedEvent({
        namespace: namespace(),
        dryRun: 'All',
        body: {
          metadata: { name: 'released.1', namespace: namespace() },
          eventTime: new V1MicroTime(),
          reportingController: OPERATOR_CONTROLLER,
          reportingInstance: 'kubevdi-test',
          action: 'DesktopReleased',
          reason: 'DesktopReleased',
          note: 'released',
          type: 'Normal',
          regarding: claimRef('alices-claim'),
        },
      });
  });
});

describe('the template admission policy: a golden image in another namespace only if its author may read it', () => {
  const templateAs = (user: string, source: Record<string, unknown>) =>
    kubeconfig(user)
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({
        ...KUBEVDI,
        plural: 'vmtemplates',
        namespace: namespace(),
        dryRun: 'All',
        body: {
          apiVersion: API_VERSION,
          kind: 'VMTemplate',
          metadata: { name: 'probe' },
          spec: {
            os: { type: 'Linux' },
            resources: { cpu: { cores: 2 }, memory: '4Gi' },
            rootDisk: { source, size: '20Gi' },
          },
        },
      });

  it("refuses a namespace's template admin naming a PVC or DataSource elsewhere, the same whether it exists or not", async () => {
    await bindClusterRole(namespace(), 'kubevdi:template-admin', 'vdi-template-admins');
    const images = await createNamespace('images');
    try {
      await kubeconfig()
        .makeApiClient(CoreV1Api)
        .createNamespacedPersistentVolumeClaim({
          namespace: images.name,
          body: {
            metadata: { name: 'finance-golden' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        });
      const existing = await refusal(templateAs('dave', { pvc: { name: 'finance-golden', namespace: images.name } }));
      const missing = await refusal(templateAs('dave', { pvc: { name: 'no-such-disk', namespace: images.name } }));
      expect(existing).toEqual({
        code: 403,
        message: expect.stringContaining(
          `spec.rootDisk.source.pvc: you may not read PersistentVolumeClaims in namespace ${images.name}, so a template of yours cannot name one there`,
        ),
      });
      expect(missing.message.replace('no-such-disk', 'finance-golden')).toBe(existing.message);
      const dataSource = await refusal(templateAs('dave', { dataSource: { name: 'win11', namespace: images.name } }));
      expect(dataSource.message).toContain(`you may not read DataSources in namespace ${images.name}`);

      // In the template's own namespace, or once the images' administrator lets dave read them: accepted.
      await templateAs('dave', { pvc: { name: 'golden' } });
      await applyAs()({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'dave-reads-images', namespace: images.name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'dave' }],
      });
      await eventually(() => templateAs('dave', { pvc: { name: 'finance-golden', namespace: images.name } }));
    } finally {
      await images.cleanup();
    }
  });
});
