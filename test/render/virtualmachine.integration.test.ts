// Rendered desktops against a real kube-apiserver with KubeVirt's real CRDs: server-side apply
// with strict field validation accepts every field, stores it unchanged, and a second apply of
// the same render changes nothing.
import path from 'node:path';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { VirtualDesktopPool, VMTemplateSpec } from '../../src/api/index.js';
import { REPO_ROOT } from '../../src/paths.js';
import type { VirtualMachine } from '../../src/render/kubevirt.js';
import { type DesktopInput, renderDesktop } from '../../src/render/virtualmachine.js';
import { applyAs, kubeconfig, readYamlObjects, useTestNamespace } from '../support/cluster.js';
import { webhookViolations } from './webhook-rules.js';

const namespace = useTestNamespace('render');

async function example(file: string): Promise<KubernetesObject & { spec: unknown }> {
  const [obj] = await readYamlObjects(path.join(REPO_ROOT, 'examples', file));
  if (!obj) throw new Error(`examples/${file} is empty`);
  return obj as KubernetesObject & { spec: unknown };
}

/** Applies an example pool in the test namespace and returns it as the operator would read it (with its uid). */
async function appliedPool(file: string): Promise<VirtualDesktopPool> {
  const obj = await example(file);
  const applied = await applyAs()({ ...obj, metadata: { ...obj.metadata, namespace: namespace() } });
  const pool = VirtualDesktopPool.parse(applied);
  expect(pool.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  return pool;
}

async function exampleTemplate(file: string): Promise<{ name: string; spec: VMTemplateSpec }> {
  const obj = await example(file);
  return { name: obj.metadata?.name ?? '', spec: VMTemplateSpec.parse(obj.spec) };
}

async function readVm(name: string): Promise<VirtualMachine> {
  const api = kubeconfig().makeApiClient(CustomObjectsApi);
  return (await api.getNamespacedCustomObject({
    group: 'kubevirt.io',
    version: 'v1',
    namespace: namespace(),
    plural: 'virtualmachines',
    name,
  })) as VirtualMachine;
}

/** Applies a rendered VM, reads it back, and checks the server kept exactly what was sent. */
async function applyAndCompare(vm: VirtualMachine): Promise<void> {
  expect(webhookViolations(vm)).toEqual([]);
  const first = await applyAs()(vm);
  const stored = await readVm(vm.metadata.name);
  expect(stored.spec).toEqual(vm.spec);
  expect(stored.metadata.labels).toEqual(vm.metadata.labels);
  expect(stored.metadata.ownerReferences).toEqual(vm.metadata.ownerReferences);

  // Level-triggered reconciles apply the same render again and again: that must be a no-op.
  const second = await applyAs()(vm);
  expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  expect(second.metadata?.generation).toBe(1);
}

describe('rendered desktops on a real API server with the KubeVirt CRDs', () => {
  it('the Windows 11 example template in the engineering pool', async () => {
    const pool = await appliedPool('pool-manual-persistent.yaml');
    const template = await exampleTemplate('template-windows11.yaml');
    expect(template.name).toBe(pool.spec.templateRef.name);
    for (const index of [0, 1]) {
      const vm = renderDesktop({ pool, template, revision: 1, index, runStrategy: 'Halted' });
      expect(vm.spec.dataVolumeTemplates).toHaveLength(1);
      expect(vm.spec.template.spec.nodeSelector).toEqual({ 'kubevdi.io/desktop-host': 'true' });
      await applyAndCompare(vm);
    }
  });

  it('the Linux example template in the call-centre pool', async () => {
    const pool = await appliedPool('pool-automatic-stateless.yaml');
    const template = await exampleTemplate('template-linux.yaml');
    expect(template.name).toBe(pool.spec.templateRef.name);
    const vm = renderDesktop({ pool, template, revision: 4, index: 19, runStrategy: 'Always' });
    expect(vm.spec.template.spec.domain.devices.disks.map((d) => d.name)).toEqual(['root', 'cloudinit']);
    await applyAndCompare(vm);
  });

  it('every other shape the renderer produces: instancetype, PVC clone, Multus, placement, BIOS with TPM', async () => {
    const pool = await appliedPool('pool-manual-persistent.yaml');
    const { spec } = await exampleTemplate('template-windows11.yaml');
    const placed: VirtualDesktopPool = {
      ...pool,
      spec: {
        ...pool.spec,
        placement: {
          nodeSelector: { 'kubevdi.io/desktop-host': 'true' },
          tolerations: [
            { key: 'kubevdi.io/desktops', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'maintenance', operator: 'Equal', value: 'soon', effect: 'NoExecute', tolerationSeconds: 600 },
          ],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: { 'kubevdi.io/pool': 'engineering' } },
                  },
                },
              ],
            },
          },
        },
      },
    };
    const variants: Record<string, unknown>[] = [
      { resources: undefined, instancetype: { name: 'u1.large' }, preference: { name: 'windows.11.virtio' } },
      {
        rootDisk: {
          source: { pvc: { name: 'golden', namespace: 'images' } },
          size: '40Gi',
          storageClassName: 'rwx',
          accessMode: 'ReadWriteMany',
        },
        network: { interfaceModel: 'virtio', multusNetworkName: 'vdi/desktop-lan' },
        display: { video: 'Default', sound: 'AC97', usbRedirection: false },
        evictionStrategy: 'LiveMigrate',
      },
      {
        os: { type: 'Linux' },
        firmware: { type: 'BIOS', tpm: 'Ephemeral' },
        rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } }, bus: 'scsi' },
        display: { video: 'Cirrus', sound: 'None' },
        guest: { setHostname: false, cloudInitSecretRef: { name: 'ci' } },
      },
    ];
    for (const [index, overrides] of variants.entries()) {
      const input: DesktopInput = {
        pool: placed,
        template: { name: 'variant', spec: VMTemplateSpec.parse({ ...spec, ...overrides }) },
        revision: 2,
        index,
        runStrategy: index % 2 === 0 ? 'Always' : 'Halted',
      };
      await applyAndCompare(renderDesktop(input));
    }
  });
});
