// The RHEV permission model on Kubernetes RBAC, performed: six people, each bound to one of
// kubevdi's ClusterRoles in the namespace, try each action through the real API server (writes
// as server-side dry runs, so one world serves the whole table; consoles for real). Every
// refusal comes from the API server — RBAC, or the claim admission policy — with its message.

import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_ANNOTATION } from '../src/api/annotations.js';
import { API_VERSION } from '../src/api/index.js';
import { bindClusterRole, kubeconfig, kubeconfigFile, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { vmSubresource } from './support/guest.js';
import { openVnc } from './support/vnc.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('perm');
const world = useWorld(namespace);
const { templateWithDisks, pool, claim, bound } = useDesktops(namespace);

/** Who plays which role (groups in test/support/users.ts). */
const PEOPLE = {
  admin: 'bob',
  'pool admin': 'carol',
  'template admin': 'dave',
  'power user': 'erin',
  'entitled user': 'alice',
  'other user': 'frank',
} as const;
type Person = keyof typeof PEOPLE;
const BINDINGS: [string, string][] = [
  ['kubevdi:admin', 'vdi-admins'],
  ['kubevdi:pool-admin', 'vdi-pool-admins'],
  ['kubevdi:template-admin', 'vdi-template-admins'],
  ['kubevdi:power-user', 'vdi-power-users'],
  ['kubevdi:user', 'vdi-users'],
];

/** What happened, in the words of the table below. */
type Outcome = string;
const ALLOWED = 'allowed';
const RBAC = 'RBAC';
const NOT_ENTITLED = 'policy: not entitled';
const ONLY_YOURSELF = 'policy: only for yourself';
const NONE = '—';
const ONLY_ACTIVITY = 'policy: only the activity annotation';

const P = (a: Outcome, pa: Outcome, ta: Outcome, pu: Outcome, eu: Outcome, ou: Outcome) =>
  ({
    admin: a,
    'pool admin': pa,
    'template admin': ta,
    'power user': pu,
    'entitled user': eu,
    'other user': ou,
  }) satisfies Record<Person, Outcome>;

const EXPECTED: Record<string, Record<Person, Outcome>> = {
  'create a template': P(ALLOWED, RBAC, ALLOWED, ALLOWED, RBAC, RBAC),
  'edit a template': P(ALLOWED, RBAC, ALLOWED, ALLOWED, RBAC, RBAC),
  'create a pool': P(ALLOWED, ALLOWED, RBAC, ALLOWED, RBAC, RBAC),
  'scale a pool': P(ALLOWED, ALLOWED, RBAC, ALLOWED, RBAC, RBAC),
  'delete a pool': P(ALLOWED, ALLOWED, RBAC, ALLOWED, RBAC, RBAC),
  'claim from an entitled pool': P(ALLOWED, ALLOWED, RBAC, NOT_ENTITLED, ALLOWED, NOT_ENTITLED),
  'claim from a pool not entitled': P(ALLOWED, ALLOWED, RBAC, NOT_ENTITLED, NOT_ENTITLED, NOT_ENTITLED),
  'claim for someone else': P(ALLOWED, ALLOWED, RBAC, ONLY_YOURSELF, ONLY_YOURSELF, ONLY_YOURSELF),
  "read another user's claim": P(ALLOWED, ALLOWED, RBAC, ALLOWED, RBAC, RBAC),
  "release another user's claim": P(ALLOWED, ALLOWED, RBAC, 'policy: not your claim', RBAC, RBAC),
  "read one's own claim": P(ALLOWED, ALLOWED, NONE, NONE, ALLOWED, NONE),
  "mark activity on one's own claim": P(ALLOWED, ALLOWED, NONE, NONE, ALLOWED, NONE),
  "label one's own claim": P(ALLOWED, ALLOWED, NONE, NONE, ONLY_ACTIVITY, NONE),
  "mark activity on another user's claim": P(ALLOWED, ALLOWED, RBAC, RBAC, RBAC, RBAC),
  "stop one's own desktop": P(ALLOWED, ALLOWED, NONE, NONE, ALLOWED, NONE),
  "restart one's own desktop": P(ALLOWED, ALLOWED, NONE, NONE, ALLOWED, NONE),
  "VNC to one's own desktop": P(ALLOWED, ALLOWED, NONE, NONE, ALLOWED, NONE),
  "stop someone else's desktop": P(ALLOWED, ALLOWED, RBAC, RBAC, RBAC, RBAC),
  "restart someone else's desktop": P(ALLOWED, ALLOWED, RBAC, RBAC, RBAC, RBAC),
  "VNC to someone else's desktop": P(ALLOWED, ALLOWED, RBAC, RBAC, RBAC, RBAC),
};

const DRY_RUN = 'All';
const KUBEVDI = { group: 'kubevdi.io', version: 'v1alpha1' };

/** Runs one action and names what happened: allowed, or who refused and why. */
async function outcome(user: string, action: () => Promise<unknown>): Promise<Outcome> {
  try {
    await action();
    return ALLOWED;
  } catch (err) {
    const { status, message } = refusalOf(err);
    if (status === 403 && /ValidatingAdmissionPolicy/.test(message)) {
      if (/you may only claim a desktop for yourself/.test(message)) return ONLY_YOURSELF;
      if (/you are not entitled to desktops of pool/.test(message)) return NOT_ENTITLED;
      if (/may change or release this claim/.test(message)) return 'policy: not your claim';
      if (/you may only set the kubevdi.io\/activity annotation/.test(message)) return ONLY_ACTIVITY;
    }
    // RBAC's own words, naming the person: `User "dave" cannot create resource "desktopclaims" ...`.
    if (status === 403 && message.includes(`User "${user}" cannot `)) return RBAC;
    return `${status}: ${message}`;
  }
}

function refusalOf(err: unknown): { status: number; message: string } {
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    return { status: err.code, message: body?.message ?? String(err.body) };
  }
  const e = err as { status?: number; body?: string; message?: string };
  if (typeof e.status === 'number')
    return { status: e.status, message: safeJson(e.body ?? '')?.message ?? e.body ?? '' };
  throw err;
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

describe('the permission model', () => {
  it('lets each role do exactly what RHEV let it do, refused by the API server otherwise', async () => {
    await world.start(['--leader-elect', 'false']);
    for (const [role, group] of BINDINGS) await bindClusterRole(namespace(), role, group);
    await templateWithDisks();
    await pool('sales', { size: 4, prestarted: 4, access: { users: ['alice'] } });
    await pool('secret', { size: 0, access: { users: ['nobody'] } });
    // Real claims: the entitled user's, the admins' (they may use every pool), and victor's, who is
    // not one of the people at the table: "someone else".
    const own: Partial<Record<Person, string>> = {};
    for (const person of ['admin', 'pool admin', 'entitled user'] as const) {
      await eventually(() => createClaim(PEOPLE[person], `own-${PEOPLE[person]}`, 'sales', PEOPLE[person]));
      own[person] = `own-${PEOPLE[person]}`;
    }
    await claim('victor', 'victor');
    const desktopOf = async (claimName: string) =>
      (await bound(claimName, { ready: true })).status?.desktop?.name as string;
    const victorsDesktop = await desktopOf('victor');
    const ownDesktop: Partial<Record<Person, string>> = {};
    for (const [person, claimName] of Object.entries(own)) ownDesktop[person as Person] = await desktopOf(claimName);

    const actions: Record<string, (user: string, person: Person) => Promise<unknown> | undefined> = {
      'create a template': (user) =>
        custom(user).createNamespacedCustomObject({
          ...KUBEVDI,
          plural: 'vmtemplates',
          namespace: namespace(),
          dryRun: DRY_RUN,
          body: {
            apiVersion: API_VERSION,
            kind: 'VMTemplate',
            metadata: { name: 'win11' },
            spec: {
              os: { type: 'Linux' },
              resources: { cpu: { cores: 2 }, memory: '4Gi' },
              rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:41' } } },
            },
          },
        }),
      'edit a template': (user) =>
        mergePatch(user, 'vmtemplates', 'fedora', { spec: { resources: { memory: '8Gi' } } }),
      'create a pool': (user) =>
        custom(user).createNamespacedCustomObject({
          ...KUBEVDI,
          plural: 'virtualdesktoppools',
          namespace: namespace(),
          dryRun: DRY_RUN,
          body: {
            apiVersion: API_VERSION,
            kind: 'VirtualDesktopPool',
            metadata: { name: 'support' },
            spec: { templateRef: { name: 'fedora' }, size: 3 },
          },
        }),
      'scale a pool': (user) =>
        custom(user).patchNamespacedCustomObjectScale(
          {
            ...KUBEVDI,
            plural: 'virtualdesktoppools',
            namespace: namespace(),
            name: 'sales',
            dryRun: DRY_RUN,
            body: { spec: { replicas: 5 } },
          },
          mergePatchHeader(),
        ),
      'delete a pool': (user) =>
        custom(user).deleteNamespacedCustomObject({
          ...KUBEVDI,
          plural: 'virtualdesktoppools',
          namespace: namespace(),
          name: 'sales',
          dryRun: DRY_RUN,
        }),
      'claim from an entitled pool': (user) => createClaim(user, `try-${user}`, 'sales', user, DRY_RUN),
      'claim from a pool not entitled': (user) => createClaim(user, `try-${user}`, 'secret', user, DRY_RUN),
      'claim for someone else': (user) => createClaim(user, `try-${user}`, 'sales', 'victor', DRY_RUN),
      "read another user's claim": (user) =>
        custom(user).getNamespacedCustomObject({
          ...KUBEVDI,
          plural: 'desktopclaims',
          namespace: namespace(),
          name: 'victor',
        }),
      "release another user's claim": (user) =>
        custom(user).deleteNamespacedCustomObject({
          ...KUBEVDI,
          plural: 'desktopclaims',
          namespace: namespace(),
          name: 'victor',
          dryRun: DRY_RUN,
        }),
      "read one's own claim": ifOwn(own, (user, name) =>
        custom(user).getNamespacedCustomObject({ ...KUBEVDI, plural: 'desktopclaims', namespace: namespace(), name }),
      ),
      "mark activity on one's own claim": ifOwn(own, (user, name) =>
        mergePatch(user, 'desktopclaims', name, activity(user)),
      ),
      "label one's own claim": ifOwn(own, (user, name) =>
        mergePatch(user, 'desktopclaims', name, { metadata: { labels: { mine: 'yes' } } }),
      ),
      "mark activity on another user's claim": (user) => mergePatch(user, 'desktopclaims', 'victor', activity(user)),
      "stop one's own desktop": ifOwn(ownDesktop, (user, desktop) => power(user, desktop, 'stop')),
      "restart one's own desktop": ifOwn(ownDesktop, (user, desktop) => power(user, desktop, 'restart')),
      "VNC to one's own desktop": ifOwn(ownDesktop, vnc),
      "stop someone else's desktop": (user) => power(user, victorsDesktop, 'stop'),
      "restart someone else's desktop": (user) => power(user, victorsDesktop, 'restart'),
      "VNC to someone else's desktop": (user) => vnc(user, victorsDesktop),
    };

    const actual: Record<string, Record<Person, Outcome>> = {};
    for (const [name, action] of Object.entries(actions)) {
      const row = {} as Record<Person, Outcome>;
      for (const [person, user] of Object.entries(PEOPLE) as [Person, string][]) {
        const attempt = action(user, person);
        row[person] = attempt ? await outcome(user, () => attempt) : NONE;
      }
      actual[name] = row;
    }
    expect(actual).toEqual(EXPECTED);
  }, 120_000);
});

/** An action on the person's own claim or desktop; none for people who cannot have one. */
function ifOwn(of: Partial<Record<Person, string>>, action: (user: string, name: string) => Promise<unknown>) {
  return (user: string, person: Person) => {
    const name = of[person];
    return name === undefined ? undefined : action(user, name);
  };
}

/** What the portal sends for "I'm still working". */
function activity(user: string): object {
  return { metadata: { annotations: { [ACTIVITY_ANNOTATION]: `${user} ${new Date().toISOString()}` } } };
}

function custom(user: string) {
  return kubeconfig(user).makeApiClient(CustomObjectsApi);
}

function mergePatchHeader() {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}

async function mergePatch(user: string, plural: string, name: string, body: object): Promise<unknown> {
  return custom(user).patchNamespacedCustomObject(
    { ...KUBEVDI, plural, namespace: namespace(), name, body, dryRun: DRY_RUN },
    mergePatchHeader(),
  );
}

async function createClaim(user: string, name: string, poolName: string, forUser: string, dryRun?: string) {
  return custom(user).createNamespacedCustomObject({
    ...KUBEVDI,
    plural: 'desktopclaims',
    namespace: namespace(),
    dryRun,
    body: {
      apiVersion: API_VERSION,
      kind: 'DesktopClaim',
      metadata: { name },
      spec: { poolRef: { name: poolName }, user: forUser },
    },
  });
}

/** KubeVirt's power buttons as a dry run: authorized and validated, nothing changes. */
async function power(user: string, desktop: string, action: 'stop' | 'restart'): Promise<void> {
  const { status, body } = await vmSubresource(kubeconfigFile(user), namespace(), desktop, action, { dryRun: ['All'] });
  if (status >= 300) throw Object.assign(new Error(JSON.stringify(body)), { status, body: JSON.stringify(body) });
}

async function vnc(user: string, desktop: string): Promise<void> {
  const session = await openVnc(kubeconfigFile(user), namespace(), desktop);
  session.close();
}
