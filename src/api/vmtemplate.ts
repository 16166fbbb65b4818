// VMTemplate: a golden image plus the hardware and guest OS of a desktop — RHEV's template.
// Every change of spec becomes a new immutable revision that pools roll out.
import { z } from 'zod';
import type { KindDefinition } from './crd.js';
import {
  API_VERSION,
  cel,
  conditions,
  displayName,
  localObjectReference,
  namespacedObjectReference,
  ObjectMeta,
  objectName,
  observedGeneration,
  positiveQuantity,
} from './meta.js';
import { resourceTypeOf } from './resource-type.js';

export const OsType = z.enum(['Windows', 'Linux']);

const Os = z
  .object({
    type: OsType.describe(
      'Operating system family of the golden image: Windows or Linux. Decides the guest customization (sysprep or cloud-init) and the default devices.',
    ),
    version: z
      .string()
      .max(63)
      .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/)
      .optional()
      .describe(
        'Version of the operating system as people call it, e.g. "11", "2022", "fedora-42". Shown in the portal and in `kubectl get vmt`.',
      ),
  })
  .describe('The guest operating system.');

const Cpu = z
  .object({
    cores: z.int().min(1).max(512).describe('Virtual CPU cores per socket.'),
    sockets: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('CPU sockets; Windows client editions use at most 2, so prefer cores.'),
    threads: z.int().min(1).max(8).default(1).describe('Threads per core.'),
  })
  .describe('CPU topology of the desktop.');

const Resources = z
  .object({
    cpu: Cpu,
    memory: positiveQuantity('Guest memory, e.g. 8Gi.', 'resources.memory'),
  })
  .describe('CPU and memory of each desktop. Set this or instancetype, not both.');

const InstancetypeReference = z
  .object({
    name: objectName('Name of the instancetype, e.g. u1.large.'),
    kind: z
      .enum(['VirtualMachineClusterInstancetype', 'VirtualMachineInstancetype'])
      .default('VirtualMachineClusterInstancetype')
      .describe('Cluster-wide or namespaced instancetype.'),
  })
  .describe('A KubeVirt instancetype that sets CPU and memory. Set this or resources, not both.');

const PreferenceReference = z
  .object({
    name: objectName('Name of the preference, e.g. windows.11.virtio.'),
    kind: z
      .enum(['VirtualMachineClusterPreference', 'VirtualMachinePreference'])
      .default('VirtualMachineClusterPreference')
      .describe('Cluster-wide or namespaced preference.'),
  })
  .describe("A KubeVirt preference with the guest OS's preferred devices and firmware.");

const RootDiskSource = cel(
  z
    .object({
      dataSource: namespacedObjectReference(
        'Clone a CDI DataSource (the usual golden image, kept fresh by a DataImportCron).',
        'DataSource',
      ).optional(),
      pvc: namespacedObjectReference('Clone an existing PersistentVolumeClaim.', 'PersistentVolumeClaim').optional(),
      containerDisk: z
        .object({
          image: z
            .string()
            .min(1)
            .max(512)
            .regex(/^\S+$/)
            .describe('Container image holding the disk, e.g. quay.io/containerdisks/fedora:42.'),
        })
        .describe(
          'Boot from a container image. The disk is ephemeral: every boot starts from the image, so only Stateless pools suit it.',
        )
        .optional(),
    })
    .describe('Where the root disk comes from. Exactly one of dataSource, pvc or containerDisk.'),
  {
    rule: '[has(self.dataSource), has(self.pvc), has(self.containerDisk)].filter(x, x).size() == 1',
    message: 'rootDisk.source must set exactly one of dataSource, pvc or containerDisk',
  },
);

const RootDisk = cel(
  z
    .object({
      source: RootDiskSource,
      size: positiveQuantity(
        "Size of each desktop's root disk, e.g. 64Gi; at least the size of the source. Required for dataSource and pvc sources.",
        'rootDisk.size',
      ).optional(),
      storageClassName: objectName("StorageClass of the desktops' disks; the cluster default when empty.").optional(),
      accessMode: z
        .enum(['ReadWriteOnce', 'ReadWriteMany'])
        .optional()
        .describe(
          "Access mode of each desktop's cloned disk; when empty, CDI picks it from the StorageClass's StorageProfile (usually ReadWriteOnce). ReadWriteMany (e.g. Ceph RBD in block mode, NFS) lets KubeVirt migrate a running desktop live, so node maintenance moves held desktops without restarting them.",
        ),
      bus: z
        .enum(['virtio', 'sata', 'scsi'])
        .default('virtio')
        .describe('Disk bus. Windows needs the virtio drivers in the image for virtio; sata works without them.'),
    })
    .describe('The root disk of every desktop.'),
  {
    rule: 'has(self.source.containerDisk) || has(self.size)',
    message: 'rootDisk.size is required when the root disk is cloned from a dataSource or pvc',
    fieldPath: '.size',
  },
  {
    rule: '!has(self.source.containerDisk) || (!has(self.size) && !has(self.storageClassName) && !has(self.accessMode))',
    message: 'rootDisk.size, rootDisk.storageClassName and rootDisk.accessMode do not apply to a containerDisk source',
  },
);

const Firmware = cel(
  z
    .object({
      type: z.enum(['BIOS', 'EFI']).default('EFI').describe('Boot firmware. Windows 11 needs EFI.'),
      secureBoot: z.boolean().default(false).describe('UEFI Secure Boot. Requires type EFI; SMM is turned on with it.'),
      persistentNVRAM: z
        .boolean()
        .default(false)
        .describe('Keep EFI variables (NVRAM) across reboots, in backend storage. Requires type EFI.'),
      tpm: z
        .enum(['None', 'Ephemeral', 'Persistent'])
        .default('None')
        .describe(
          'Virtual TPM 2.0: none, one that forgets its state at power-off, or one kept in backend storage (BitLocker, Windows Hello).',
        ),
    })
    .describe('Firmware, Secure Boot and TPM.'),
  {
    rule: "!self.secureBoot || self.type == 'EFI'",
    message: 'firmware.secureBoot requires firmware.type EFI (secure boot also turns on SMM)',
    fieldPath: '.secureBoot',
  },
  {
    rule: "!self.persistentNVRAM || self.type == 'EFI'",
    message: 'firmware.persistentNVRAM requires firmware.type EFI',
    fieldPath: '.persistentNVRAM',
  },
);

const Display = z
  .object({
    video: z
      .enum(['Default', 'VGA', 'Virtio', 'Bochs', 'Cirrus', 'Ramfb'])
      .default('Default')
      .describe(
        'Video device; Default lets KubeVirt choose (VGA with BIOS, Bochs with EFI). Virtio suits guests with its drivers.',
      ),
    sound: z.enum(['None', 'ICH9', 'AC97']).default('ICH9').describe('Sound card of the desktop, or None.'),
    usbRedirection: z
      .boolean()
      .default(false)
      .describe('Let users redirect up to 4 USB devices from their own machine (KubeVirt clientPassthrough).'),
  })
  .describe('What the user sees, hears and plugs in.');

const Network = z
  .object({
    interfaceModel: z
      .enum(['virtio', 'e1000e'])
      .default('virtio')
      .describe('Network card model; e1000e works in Windows without virtio drivers.'),
    multusNetworkName: z
      .string()
      .max(253)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .optional()
      .describe(
        'A Multus NetworkAttachmentDefinition ("name" or "namespace/name") to bridge the desktop onto; the pod network with masquerade when empty.',
      ),
  })
  .describe("The desktop's network.");

const GuestCustomization = cel(
  z
    .object({
      cloudInitSecretRef: localObjectReference(
        'A Secret with cloud-init "userdata" for Linux guests.',
        'Name of the Secret.',
      ).optional(),
      sysprepSecretRef: localObjectReference(
        'A Secret with "unattend.xml" or "autounattend.xml" for Windows guests.',
        'Name of the Secret.',
      ).optional(),
      setHostname: z
        .boolean()
        .default(true)
        .describe(
          "Give each desktop its own hostname (its name, e.g. sales-7) instead of the image's. KubeVirt offers the name through DHCP and cloud-init metadata either way; Windows takes its computer name from the sysprep answer file.",
        ),
    })
    .describe('Per-desktop guest customization at first boot.'),
  {
    rule: '!(has(self.cloudInitSecretRef) && has(self.sysprepSecretRef))',
    message: 'set at most one of guest.cloudInitSecretRef and guest.sysprepSecretRef',
  },
);

export const VMTemplateSpec = cel(
  z
    .object({
      displayName: displayName('template'),
      os: Os,
      resources: Resources.optional(),
      instancetype: InstancetypeReference.optional(),
      preference: PreferenceReference.optional(),
      rootDisk: RootDisk,
      firmware: Firmware.prefault({}),
      display: Display.prefault({}),
      network: Network.prefault({}),
      guest: GuestCustomization.prefault({}),
      evictionStrategy: z
        .enum(['LiveMigrate', 'LiveMigrateIfPossible', 'None', 'External'])
        .default('LiveMigrateIfPossible')
        .describe(
          'What happens to a running desktop when its node is drained: LiveMigrate keeps the session alive (needs migratable storage); LiveMigrateIfPossible falls back to shutting it down.',
        ),
      revisionHistoryLimit: z
        .int()
        .min(1)
        .max(100)
        .default(10)
        .describe('How many old revisions to keep for pools pinned to them and for rollback.'),
    })
    .describe('A golden image with the hardware and guest OS of a desktop. Every change is a new revision.'),
  {
    rule: 'has(self.resources) != has(self.instancetype)',
    message: 'set exactly one of resources (cpu and memory) or instancetype',
  },
  {
    rule: "!has(self.guest.sysprepSecretRef) || self.os.type == 'Windows'",
    message: 'guest.sysprepSecretRef is only for Windows templates; use guest.cloudInitSecretRef for Linux',
  },
);

export const VMTemplateStatus = z
  .object({
    observedGeneration: observedGeneration(),
    currentRevision: z
      .string()
      .max(253)
      .optional()
      .describe('Name of the ControllerRevision holding the newest spec; pools that follow the latest use it.'),
    revision: z
      .int()
      .min(1)
      .optional()
      .describe('Number of the newest revision; it grows by one with every spec change.'),
    conditions: conditions('Ready is True when the source image and every referenced object exist.'),
  })
  .describe('What the operator observed.');

export const VMTemplate = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('VMTemplate'),
  metadata: ObjectMeta,
  spec: VMTemplateSpec,
  status: VMTemplateStatus.optional(),
});

export type VMTemplate = z.infer<typeof VMTemplate>;
export type VMTemplateSpec = z.infer<typeof VMTemplateSpec>;
export type VMTemplateStatus = z.infer<typeof VMTemplateStatus>;

export const vmTemplateKind: KindDefinition = {
  kind: 'VMTemplate',
  plural: 'vmtemplates',
  shortNames: ['vmt'],
  description:
    'A VMTemplate is a golden image with the hardware and guest OS of a desktop, like a template in RHEV. Every spec change is a new revision that VirtualDesktopPools roll out.',
  schema: VMTemplate,
  nameRule: {
    rule: 'self.size() <= 63',
    message: 'template names are at most 63 characters, because desktops carry them in a label',
  },
  printerColumns: [
    { name: 'OS', type: 'string', jsonPath: '.spec.os.type', description: 'Operating system family.' },
    { name: 'Version', type: 'string', jsonPath: '.spec.os.version', description: 'Operating system version.' },
    { name: 'Revision', type: 'integer', jsonPath: '.status.revision', description: 'Newest revision number.' },
    {
      name: 'Ready',
      type: 'string',
      jsonPath: ".status.conditions[?(@.type=='Ready')].status",
      description: 'The source image and referenced objects exist.',
    },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: ".status.conditions[?(@.type=='Ready')].reason",
      description: 'Why the template is (not) ready.',
      priority: 1,
    },
  ],
};

/** Where VMTemplates live on the wire: group, version, plural. */
export const VMTEMPLATES = resourceTypeOf(vmTemplateKind);
