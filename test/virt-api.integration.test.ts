// The simulator's virt-api behind the real API server's aggregation layer: requests from real
// users are authenticated and RBAC-checked by kube-apiserver (a Role naming only desk-0 lets alice
// start, stop, restart, read the user list of and connect to desk-0, and nothing of desk-1), then
// answered as KubeVirt v1.9's virt-api answers them; nobody reaches it but the API server.
import { request } from 'node:https';
import {
  ApiregistrationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Simulator, startSimulator } from '../local/simulator/start.js';
import { desktopColour } from '../local/simulator/virt-api/framebuffer.js';
import { applyAs, kubeconfig, readYamlObjects, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { apiRequest, setLoggedInUsers, vmiSubresource, vmSubresource } from './support/guest.js';
import { KUBEVIRT_DIR } from './support/kubevirt.js';
import { openVnc, VncRefused } from './support/vnc.js';

const namespace = useTestNamespace('vapi');
// biome-ignore lint/suspicious/noExplicitAny: API objects are inspected field by field in assertions
type Obj = any;

const kv = { group: 'kubevirt.io', version: 'v1' };
const api = () => kubeconfig().makeApiClient(CustomObjectsApi);
const alice = () => inject('cluster').userKubeconfigs.alice as string;
const admin = () => inject('cluster').adminKubeconfig;

// One simulator for the file, scoped to its namespaces.
let sim: Simulator | undefined;
beforeAll(async () => {
  sim = await startSimulator({
    kubeconfig: inject('cluster').adminKubeconfig,
    namespacePrefix: `vapi-${process.pid}-`,
    bootDelayMs: 200,
    stopDelayMs: 100,
    // The synthetic 64×48 picture: what virt-api shows when a desktop has no real screen (the
    // real ones: simulator-screens.integration.test.ts).
    screens: 'synthetic',
  });
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(async () => {
  // The simulator takes KubeVirt's finalizers off while it runs: delete before it stops.
  await api()
    .deleteCollectionNamespacedCustomObject({ ...kv, namespace: namespace(), plural: 'virtualmachines' })
    .catch(() => undefined);
  await eventually(async () => {
    expect([...(await list('virtualmachines')), ...(await list('virtualmachineinstances'))]).toEqual([]);
  });
});

async function list(plural: string): Promise<Obj[]> {
  return ((await api().listNamespacedCustomObject({ ...kv, namespace: namespace(), plural })) as { items: Obj[] })
    .items;
}

async function get(plural: string, name: string): Promise<Obj | undefined> {
  return api()
    .getNamespacedCustomObject({ ...kv, namespace: namespace(), plural, name })
    .catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
}

const NEVER_READY = { 'simulator.kubevdi.io/failure': 'NeverReady' };

/** The Linux example as desk-N, not running. */
async function desk(name: string, runStrategy = 'Halted', annotations?: Record<string, string>): Promise<void> {
  const [vm] = (await readYamlObjects(`${KUBEVIRT_DIR}/examples/vm-linux-desktop.yaml`)) as Obj[];
  vm.metadata = { name, namespace: namespace(), ...(annotations ? { annotations } : {}) };
  vm.spec.runStrategy = runStrategy;
  await applyAs()(vm as KubernetesObject);
}

/** alice may use desk-0's subresources, and nothing else. */
async function grantAliceDesk0(): Promise<void> {
  const apply = applyAs();
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'desk-0-user', namespace: namespace() },
    rules: [
      {
        apiGroups: ['subresources.kubevirt.io'],
        resources: ['virtualmachines/start', 'virtualmachines/stop', 'virtualmachines/restart'],
        resourceNames: ['desk-0'],
        verbs: ['update'],
      },
      {
        apiGroups: ['subresources.kubevirt.io'],
        resources: [
          'virtualmachineinstances/vnc',
          'virtualmachineinstances/userlist',
          'virtualmachineinstances/guestosinfo',
        ],
        resourceNames: ['desk-0'],
        verbs: ['get'],
      },
    ],
  } as KubernetesObject);
  await apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'desk-0-user', namespace: namespace() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'desk-0-user' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  } as KubernetesObject);
}

async function runningVMI(name: string, notUid?: string): Promise<Obj> {
  return eventually(async () => {
    const vmi = await get('virtualmachineinstances', name);
    expect(vmi?.status?.phase).toBe('Running');
    if (notUid) expect(vmi.metadata.uid).not.toBe(notUid);
    return vmi;
  });
}

const conflict = (name: string, why: string) =>
  `Operation cannot be fulfilled on virtualmachine.kubevirt.io "${name}": ${why}`;

describe('virt-api (simulated) through the aggregation layer', () => {
  it('is registered as APIService v1.subresources.kubevirt.io, Available, with its discovery', async () => {
    const service = await kubeconfig()
      .makeApiClient(ApiregistrationV1Api)
      .readAPIService({ name: 'v1.subresources.kubevirt.io' });
    expect(service.spec?.service).toMatchObject({ namespace: 'kubevirt', name: 'virt-api' });
    expect(service.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');

    const discovery = await apiRequest(alice(), 'GET', '/apis/subresources.kubevirt.io/v1');
    expect(discovery.status).toBe(200);
    expect((discovery.body as Obj).resources).toContainEqual(
      expect.objectContaining({ name: 'virtualmachines/start', verbs: ['update'], namespaced: true }),
    );
  });

  it('lets alice start, restart and stop desk-0 as KubeVirt does, and refuses her desk-1 (RBAC)', async () => {
    await Promise.all([desk('desk-0'), desk('desk-1'), grantAliceDesk0()]);
    const ns = namespace();

    // RBAC reads Roles from an informer: the first request may come a moment too early.
    const dryRun = await eventually(async () => {
      const answer = await vmSubresource(alice(), ns, 'desk-0', 'start', { dryRun: ['All'] });
      expect(answer.status).toBe(202);
      return answer;
    });
    expect(dryRun.body).toBe('');
    expect((await get('virtualmachines', 'desk-0')).spec.runStrategy).toBe('Halted');

    expect(await vmSubresource(alice(), ns, 'desk-0', 'start')).toEqual({ status: 202, body: '' });
    expect((await get('virtualmachines', 'desk-0')).spec.runStrategy).toBe('Always');
    const first = await runningVMI('desk-0');
    const again = await vmSubresource(alice(), ns, 'desk-0', 'start');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      message: conflict('desk-0', 'VM is already running'),
    });

    expect((await vmSubresource(alice(), ns, 'desk-0', 'restart')).status).toBe(202);
    const second = await runningVMI('desk-0', first.metadata.uid);
    expect(second.metadata.uid).not.toBe(first.metadata.uid);

    expect((await vmSubresource(alice(), ns, 'desk-0', 'stop')).status).toBe(202);
    expect((await get('virtualmachines', 'desk-0')).spec.runStrategy).toBe('Halted');
    await eventually(async () => expect(await get('virtualmachineinstances', 'desk-0')).toBeUndefined());
    const restartHalted = await vmSubresource(alice(), ns, 'desk-0', 'restart');
    expect(restartHalted).toMatchObject({
      status: 409,
      body: { message: conflict('desk-0', 'RunStategy Halted does not support manual restart requests') },
    });

    const refused = await vmSubresource(alice(), ns, 'desk-1', 'start');
    expect(refused.status).toBe(403);
    expect((refused.body as Obj).message).toBe(
      `virtualmachines.subresources.kubevirt.io "desk-1" is forbidden: User "alice" cannot update resource "virtualmachines/start" in API group "subresources.kubevirt.io" in the namespace "${ns}"`,
    );
    expect((await get('virtualmachines', 'desk-1')).spec.runStrategy).toBe('Halted');
    expect((await vmSubresource(admin(), ns, 'nope', 'stop')).body).toMatchObject({
      reason: 'NotFound',
      message: 'virtualmachine.kubevirt.io "nope" not found',
    });
  });

  it('reports the guest agent: not running, then nobody logged in, then the users the test logs in', async () => {
    // NeverReady holds the VMI in Scheduled, so "not running" is seen for sure.
    await Promise.all([desk('desk-0', 'Halted', NEVER_READY), desk('desk-1'), grantAliceDesk0()]);
    const ns = namespace();
    // As upstream, every failure of userlist is a 500 with the error's text (not a Status).
    const missing = await eventually(async () => {
      const answer = await vmiSubresource(alice(), ns, 'desk-0', 'userlist');
      expect(answer.status).toBe(500);
      return answer;
    });
    expect(missing.body).toBe('virtualmachineinstance.kubevirt.io "desk-0" not found');

    expect((await vmSubresource(alice(), ns, 'desk-0', 'start')).status).toBe(202);
    await eventually(async () =>
      expect((await get('virtualmachineinstances', 'desk-0'))?.status?.phase).toBe('Scheduled'),
    );
    expect(await vmiSubresource(alice(), ns, 'desk-0', 'userlist')).toEqual({
      status: 500,
      body: 'Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "desk-0": VMI is not running',
    });

    await api().patchNamespacedCustomObject(
      {
        ...kv,
        namespace: ns,
        plural: 'virtualmachines',
        name: 'desk-0',
        body: { metadata: { annotations: { 'simulator.kubevdi.io/failure': null } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await runningVMI('desk-0');
    expect(await vmiSubresource(alice(), ns, 'desk-0', 'userlist')).toEqual({
      status: 200,
      body: { metadata: {}, items: [] },
    });

    const users = [{ userName: 'alice', domain: 'CORP', loginTime: 1732540000.5 }, { userName: 'bob' }];
    await setLoggedInUsers(kubeconfig(), ns, 'desk-0', users);
    expect(await vmiSubresource(alice(), ns, 'desk-0', 'userlist')).toEqual({
      status: 200,
      body: { metadata: {}, items: users },
    });
    const info = await vmiSubresource(alice(), ns, 'desk-0', 'guestosinfo');
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      hostname: 'desk-0',
      os: { id: 'fedora' },
      timezone: 'UTC, 0',
      userList: users,
      fsInfo: { disks: [] },
    });

    await setLoggedInUsers(kubeconfig(), ns, 'desk-0', []);
    expect((await vmiSubresource(alice(), ns, 'desk-0', 'userlist')).body).toEqual({ metadata: {}, items: [] });
    expect((await vmiSubresource(alice(), ns, 'desk-1', 'userlist')).status).toBe(403);
  });

  it('serves VNC: 64×48 named ns/vmi, one session per VMI, preserveSession refused, closed when the VM stops', async () => {
    await Promise.all([desk('desk-0', 'Always'), desk('desk-1'), grantAliceDesk0()]);
    const ns = namespace();
    await runningVMI('desk-0');

    const screen = await eventually(() => openVnc(alice(), ns, 'desk-0'));
    expect({ name: screen.name, width: screen.width, height: screen.height }).toEqual({
      name: `${ns}/desk-0`,
      width: 64,
      height: 48,
    });
    expect(screen.pixels).toHaveLength(64 * 48 * 4);
    const [r, g, b] = desktopColour(`${ns}/desk-0`);
    expect(screen.pixels.readUInt32LE((10 * 64 + 10) * 4)).toBe((r << 16) | (g << 8) | b);

    // A second connection takes over: the first one is dropped.
    const second = await openVnc(alice(), ns, 'desk-0');
    expect(await screen.closed).toBe(1006);
    // ... unless the newcomer asks to preserve the session.
    const preserved = await openVnc(alice(), ns, 'desk-0', { preserveSession: true }).catch((err: unknown) => err);
    expect(preserved).toBeInstanceOf(VncRefused);
    expect(preserved).toMatchObject({ status: 503, body: 'Active VNC connection. Request denied.' });

    const other = await openVnc(alice(), ns, 'desk-1').catch((err: unknown) => err);
    expect(other).toMatchObject({ status: 403 });
    expect((other as VncRefused).body).toContain(
      'User \\"alice\\" cannot get resource \\"virtualmachineinstances/vnc\\" in API group \\"subresources.kubevirt.io\\"',
    );
    // The admin may, but desk-1 has no VMI.
    expect(await openVnc(admin(), ns, 'desk-1').catch((err: unknown) => err)).toMatchObject({ status: 404 });

    // Stopping the VM ends the session, as the console of a VM that shuts down does.
    expect((await vmSubresource(alice(), ns, 'desk-0', 'stop')).status).toBe(202);
    expect(await second.closed).toBe(1006);
    const stopped = await eventually(async () => {
      const err = await openVnc(alice(), ns, 'desk-0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VncRefused);
      return err as VncRefused;
    });
    expect([400, 404]).toContain(stopped.status);
  });

  it('answers nobody but the front proxy: 401 for a direct request, even with a cluster user certificate', async () => {
    const core = kubeconfig().makeApiClient(CoreV1Api);
    const service = await core.readNamespacedService({ namespace: 'kubevirt', name: 'virt-api' });
    const port = service.spec?.ports?.[0]?.port;
    const apiService = await kubeconfig()
      .makeApiClient(ApiregistrationV1Api)
      .readAPIService({ name: 'v1.subresources.kubevirt.io' });
    const ca = Buffer.from(apiService.spec?.caBundle ?? '', 'base64').toString('utf8');
    const path = `/apis/subresources.kubevirt.io/v1/namespaces/${namespace()}/virtualmachineinstances/desk-0/userlist`;
    const direct = (cert?: { cert: string; key: string }) =>
      new Promise<{ status: number; body: Obj }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            ca,
            servername: 'virt-api.kubevirt.svc',
            headers: { 'X-Remote-User': 'system:admin', 'X-Remote-Group': 'system:masters' },
            ...cert,
          },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.once('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.once('error', reject);
        req.end();
      });
    expect(await direct()).toEqual({
      status: 401,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      },
    });
    // alice's certificate is signed by the cluster CA, not the front-proxy CA: she may not assert users.
    const user = kubeconfig('alice').getCurrentUser();
    const aliceCert = {
      cert: Buffer.from(user?.certData ?? '', 'base64').toString('utf8'),
      key: Buffer.from(user?.keyData ?? '', 'base64').toString('utf8'),
    };
    expect((await direct(aliceCert)).status).toBe(401);
  });
});
