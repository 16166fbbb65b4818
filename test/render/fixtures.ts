// Inputs for the renderer's tests: pools and templates as the API server would hand them to the
// operator, i.e. parsed and defaulted through the zod schemas.
import { VirtualDesktopPool, VMTemplateSpec } from '../../src/api/index.js';
import type { DesktopInput } from '../../src/render/virtualmachine.js';

export const NAMESPACE = 'vdi-demo';
export const POOL_UID = '0f6c7a52-3c1e-4d7b-9a51-2b8e1c4f9d10';

export function pool(name: string, spec: Record<string, unknown> = {}, uid = POOL_UID): VirtualDesktopPool {
  return VirtualDesktopPool.parse({
    apiVersion: 'kubevdi.io/v1alpha1',
    kind: 'VirtualDesktopPool',
    metadata: { name, namespace: NAMESPACE, uid },
    spec: { templateRef: { name: 'win11' }, size: 10, ...spec },
  });
}

/** The Windows 11 template of examples/, written out so the exact-output test does not move with it. */
export const windows11 = (overrides: Record<string, unknown> = {}): VMTemplateSpec =>
  VMTemplateSpec.parse({
    os: { type: 'Windows', version: '11' },
    resources: { cpu: { cores: 4 }, memory: '8Gi' },
    rootDisk: { source: { dataSource: { name: 'win11-golden', namespace: 'vdi-images' } }, size: '64Gi', bus: 'sata' },
    firmware: { type: 'EFI', secureBoot: true, persistentNVRAM: true, tpm: 'Persistent' },
    display: { video: 'Virtio', sound: 'ICH9', usbRedirection: true },
    network: { interfaceModel: 'e1000e' },
    guest: { sysprepSecretRef: { name: 'win11-unattend' } },
    ...overrides,
  });

export const fedora = (overrides: Record<string, unknown> = {}): VMTemplateSpec =>
  VMTemplateSpec.parse({
    os: { type: 'Linux', version: '42' },
    resources: { cpu: { cores: 2 }, memory: '4Gi' },
    rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
    firmware: { type: 'BIOS' },
    guest: { cloudInitSecretRef: { name: 'fedora-cloud-init' } },
    ...overrides,
  });

export function input(overrides: Partial<DesktopInput> = {}): DesktopInput {
  return {
    pool: pool('engineering'),
    template: { name: 'win11', spec: windows11() },
    revision: 3,
    index: 7,
    runStrategy: 'Halted',
    ...overrides,
  };
}
