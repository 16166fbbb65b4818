// VMTemplates against a real API server: Ready says whether the objects a template names exist,
// and every spec change is a new immutable revision with a bounded history.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  type V1ControllerRevision,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/api/index.js';
import { applyAs, createNamespace, kubeconfig, useTestNamespace } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('vmt');
const apply = applyAs();
const world = useWorld(namespace);

interface Template extends KubernetesObject {
  status?: {
    revision?: number;
    currentRevision?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const windows = (spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'VMTemplate',
  metadata: { name: 'win11', namespace: namespace() },
  spec: {
    os: { type: 'Windows', version: '11' },
    resources: { cpu: { cores: 4 }, memory: '8Gi' },
    rootDisk: { source: { dataSource: { name: 'win11-golden' } }, size: '64Gi' },
    firmware: { type: 'EFI', secureBoot: true, tpm: 'Persistent' },
    guest: { sysprepSecretRef: { name: 'unattend' } },
    ...spec,
  },
});

async function readTemplate(): Promise<Template> {
  return (await kubeconfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'kubevdi.io',
    version: 'v1alpha1',
    plural: 'vmtemplates',
    namespace: namespace(),
    name: 'win11',
  })) as Template;
}

const ready = (t: Template) => t.status?.conditions?.find((c) => c.type === 'Ready');

async function revisions(): Promise<V1ControllerRevision[]> {
  const list = await kubeconfig()
    .makeApiClient(AppsV1Api)
    .listNamespacedControllerRevision({ namespace: namespace(), labelSelector: 'kubevdi.io/template=win11' });
  return list.items.sort((a, b) => a.revision - b.revision);
}

describe('a VMTemplate', () => {
  it('is Ready only once the golden image and the sysprep Secret it names exist', async () => {
    await world.operator(['--leader-elect', 'false']);
    await apply(windows());
    await eventually(async () =>
      expect(ready(await readTemplate())).toMatchObject({
        status: 'False',
        reason: 'SourceNotFound',
        message: `DataSource ${namespace()}/win11-golden does not exist`,
      }),
    );

    await apply({
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataSource',
      metadata: { name: 'win11-golden', namespace: namespace() },
      spec: { source: { pvc: { name: 'win11-image', namespace: namespace() } } },
    });
    // Looked at again on its own (no watch on other people's objects), within the recheck interval.
    await eventually(
      async () =>
        expect(ready(await readTemplate())).toMatchObject({
          status: 'False',
          reason: 'SecretNotFound',
          message: `Secret ${namespace()}/unattend does not exist`,
        }),
      30_000,
      500,
    );

    await kubeconfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedSecret({
        namespace: namespace(),
        body: { metadata: { name: 'unattend' }, stringData: { 'unattend.xml': '<unattend/>' } },
      });
    const template = await eventually(
      async () => {
        const t = await readTemplate();
        expect(ready(t)).toMatchObject({ status: 'True', reason: 'SourceAvailable' });
        return t;
      },
      60_000,
      500,
    );
    expect(template.status).toMatchObject({ revision: 1, currentRevision: (await revisions())[0]?.metadata?.name });
  });

  it('says nothing about a golden image in another namespace until that namespace lets it be cloned', async () => {
    await world.operator(['--leader-elect', 'false']);
    const images = await createNamespace('images');
    try {
      const fromImages = (name: string) =>
        windows({ rootDisk: { source: { pvc: { name, namespace: images.name } }, size: '64Gi' }, guest: {} });
      const notPermitted = {
        status: 'False',
        reason: 'SourceNotPermitted',
        message: `desktops in namespace ${namespace()} may not clone disks from namespace ${images.name}; an administrator of ${images.name} can allow it by binding the ClusterRole cdi.kubevirt.io:clone-sourcer to the ServiceAccount ${namespace()}/default there`,
      };
      // The same words for a PVC that is not there as for one that is.
      await apply(fromImages('no-such-image'));
      await eventually(async () => expect(ready(await readTemplate())).toMatchObject(notPermitted));
      await kubeconfig()
        .makeApiClient(CoreV1Api)
        .createNamespacedPersistentVolumeClaim({
          namespace: images.name,
          body: {
            metadata: { name: 'win11-image' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        });
      await apply(fromImages('win11-image'));
      await eventually(async () =>
        expect(await readTemplate()).toMatchObject({ status: { revision: 2, conditions: [notPermitted] } }),
      );

      // The images' administrator lets this namespace clone from there: now the template is Ready.
      await apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'clone-sourcer', namespace: images.name },
        rules: [{ apiGroups: ['cdi.kubevirt.io'], resources: ['datavolumes/source'], verbs: ['create'] }],
      });
      await apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'desktops-clone', namespace: images.name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'clone-sourcer' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: namespace() }],
      });
      await eventually(
        async () => expect(ready(await readTemplate())).toMatchObject({ status: 'True', reason: 'SourceAvailable' }),
        60_000,
        500,
      );
    } finally {
      await images.cleanup();
    }
  });

  it('keeps one immutable revision per spec, a bounded history, and renumbers a spec that comes back', async () => {
    await world.operator(['--leader-elect', 'false']);
    const spec = (cores: number) => ({ resources: { cpu: { cores }, memory: '8Gi' }, revisionHistoryLimit: 1 });
    for (const [i, cores] of [2, 4, 8].entries()) {
      await apply(windows(spec(cores)));
      await eventually(async () => expect((await readTemplate()).status?.revision).toBe(i + 1));
    }
    // The newest and one old revision are kept; revision 1 is pruned.
    await eventually(async () => expect((await revisions()).map((r) => r.revision)).toEqual([2, 3]));
    const [two] = await revisions();
    expect(two?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'VMTemplate', name: 'win11', controller: true });
    expect(two?.data).toMatchObject({ spec: { resources: { cpu: { cores: 4 } } } });

    // Going back to the spec of revision 2 makes that revision the newest again, as a StatefulSet does.
    await apply(windows(spec(4)));
    await eventually(async () => {
      const t = await readTemplate();
      expect(t.status).toMatchObject({ revision: 4, currentRevision: two?.metadata?.name });
    });
    // A display name is not a new revision.
    await apply(windows({ ...spec(4), displayName: 'Windows 11 for engineering' }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await readTemplate()).status?.revision).toBe(4);
  });
});
