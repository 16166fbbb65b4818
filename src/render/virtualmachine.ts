// One desktop of a pool as a KubeVirt VirtualMachine: (pool, template revision, index) → VM.
//
// Pure and deterministic: the same input gives a deep-equal VM with the same key order, so the
// controller can apply it on every pass and server-side apply sees no change when there is none.
//
// Choices that hold throughout:
// - KubeVirt's rules live in its virt-api webhooks, not in its CRD schemas (API-NOTES, README),
//   and a cluster without virt-api accepts what the webhooks would refuse. So this file obeys them
//   by construction: runStrategy always set; memory always set (or left to an instancetype, and
//   then nothing the instancetype owns is set); secure boot always with SMM; inputs only of type
//   tablet; sound always named; video only with autoattachGraphicsDevice true; every volume has a
//   disk of the same name; CD-ROMs never on virtio; Hyper-V flags with their dependencies.
// - The template is the whole truth about the hardware. A KubeVirt preference only fills fields
//   that are empty, and the template's fields all have defaults, so with a preference the
//   template's firmware, devices and buses still win; the preference adds what the template cannot
//   express (CPU topology under an instancetype, machine type, ...).
// - Everything is written explicitly where KubeVirt's default would hide a decision (secure boot
//   defaults to true in KubeVirt; VNC needs the graphics device), so a reader of the VM sees it.

import { LABELS, MANAGED_BY } from '../api/labels.js';
import type { VirtualDesktopPool } from '../api/virtualdesktoppool.js';
import type { VMTemplateSpec } from '../api/vmtemplate.js';
import type {
  Clock,
  DataVolumeTemplate,
  Devices,
  Disk,
  DomainSpec,
  Features,
  Firmware,
  HypervFeatures,
  Interface,
  Network,
  Toleration,
  VideoType,
  VirtualMachine,
  VirtualMachineInstanceSpec,
  VirtualMachineSpec,
  Volume,
} from './kubevirt.js';
import { KUBEVIRT_API_VERSION } from './kubevirt.js';
import { desktopName, rootDiskName } from './names.js';
import { poolOwnerReference } from './owner.js';
import { profileAttachment } from './profile-disk.js';

export interface DesktopInput {
  /** The pool, as read from the API server: metadata.name, namespace and uid are required. */
  pool: VirtualDesktopPool;
  /** The spec of the template revision to render, after the API's defaults (`VMTemplateSpec.parse`). */
  template: { name: string; spec: VMTemplateSpec };
  /** The template revision number; it ends up in a label. */
  revision: number;
  index: number;
  /** Always for a desktop that should run (prestarted or in use), Halted for one that should not. */
  runStrategy: 'Always' | 'Halted';
  /**
   * The profile disk (PVC) bound with the desktop, from its annotation: rendered where KubeVirt's
   * addvolume put it, so applying the desktop again never unplugs it (`volumes` is an atomic list).
   */
  profileDisk?: string;
}

export function renderDesktop(input: DesktopInput): VirtualMachine {
  const pool = poolIdentity(input.pool);
  const name = desktopName(pool.name, input.index);
  assertDnsLabel(name, `desktop name "${name}" (pool name + index)`);
  assertLabelValue(input.template.name, `template name "${input.template.name}"`);
  const spec = input.template.spec;
  const labels = (): Record<string, string> => desktopLabels(pool.name, input.template.name, input.revision, name);

  const vmSpec: VirtualMachineSpec = {
    runStrategy: input.runStrategy,
    ...sizingReferences(spec),
    ...rootDataVolumeTemplates(spec, name, pool.namespace, labels()),
    template: {
      // The VMI and its virt-launcher pod carry the same labels, so selectors work on both.
      metadata: { labels: labels() },
      spec: instanceSpec(spec, name, input.pool, input.profileDisk),
    },
  };
  return {
    apiVersion: KUBEVIRT_API_VERSION,
    kind: 'VirtualMachine',
    metadata: { name, namespace: pool.namespace, labels: labels(), ownerReferences: [poolOwnerReference(pool)] },
    spec: vmSpec,
  };
}

// --- identity: owner, labels ----------------------------------------------------------------------

interface PoolIdentity {
  name: string;
  namespace: string;
  uid: string;
}

function poolIdentity(pool: VirtualDesktopPool): PoolIdentity {
  const { name, namespace, uid } = pool.metadata;
  if (!name || !namespace || !uid) {
    throw new Error('renderDesktop needs a pool read from the API server (metadata.name, namespace and uid)');
  }
  return { name, namespace, uid };
}

function desktopLabels(pool: string, template: string, revision: number, desktop: string): Record<string, string> {
  if (!Number.isSafeInteger(revision) || revision < 1) {
    throw new RangeError(`template revision must be a positive integer, got ${revision}`);
  }
  return {
    [LABELS.pool]: pool,
    [LABELS.template]: template,
    [LABELS.templateRevision]: String(revision),
    [LABELS.desktop]: desktop,
    [LABELS.managedBy]: MANAGED_BY,
  };
}

// --- size: instancetype and preference ------------------------------------------------------------

function sizingReferences(spec: VMTemplateSpec): Pick<VirtualMachineSpec, 'instancetype' | 'preference'> {
  return {
    ...(spec.instancetype && { instancetype: { kind: spec.instancetype.kind, name: spec.instancetype.name } }),
    ...(spec.preference && { preference: { kind: spec.preference.kind, name: spec.preference.name } }),
  };
}

// --- the root disk --------------------------------------------------------------------------------

/**
 * A cloned root disk is a dataVolumeTemplate, so KubeVirt creates the DataVolume with the VM,
 * owned by it: deleting the desktop deletes its disk, which is how a stateless desktop is reset.
 * A containerDisk needs none.
 */
function rootDataVolumeTemplates(
  spec: VMTemplateSpec,
  desktop: string,
  namespace: string,
  labels: Record<string, string>,
): Pick<VirtualMachineSpec, 'dataVolumeTemplates'> {
  const { source, size, storageClassName, accessMode } = spec.rootDisk;
  if (source.containerDisk) return {};
  if (size === undefined) throw new Error('rootDisk.size is required for a dataSource or pvc source');
  const storage = {
    resources: { requests: { storage: String(size) } },
    ...(storageClassName && { storageClassName }),
    // Only when asked: without, CDI's StorageProfile decides, as before.
    ...(accessMode && { accessModes: [accessMode] }),
  };
  // The namespace is written out (CDI would default it to the VM's): the clone source is then
  // visible in the VM, and a golden image in another namespace needs clone RBAC there (API-NOTES §1.5).
  const dataVolume: DataVolumeTemplate['spec'] = source.dataSource
    ? {
        sourceRef: {
          kind: 'DataSource',
          name: source.dataSource.name,
          namespace: source.dataSource.namespace ?? namespace,
        },
        storage,
      }
    : source.pvc
      ? { source: { pvc: { name: source.pvc.name, namespace: source.pvc.namespace ?? namespace } }, storage }
      : unreachable('rootDisk.source has none of dataSource, pvc or containerDisk');
  // Labelled like the desktop, so its DataVolume and PVC can be found by pool and desktop.
  return { dataVolumeTemplates: [{ metadata: { name: rootDiskName(desktop), labels }, spec: dataVolume }] };
}

// --- the VMI spec ---------------------------------------------------------------------------------

function instanceSpec(
  spec: VMTemplateSpec,
  desktop: string,
  pool: VirtualDesktopPool,
  profileDisk: string | undefined,
): VirtualMachineInstanceSpec {
  // The profile disk last, where KubeVirt appends a hot-plugged one.
  const profile =
    pool.spec.profileDisk && profileDisk ? profileAttachment(pool.spec.profileDisk, profileDisk) : undefined;
  const disks = [rootDisk(spec, desktop), guestCustomization(spec), profile].filter((a) => a !== undefined);
  const nic = networkInterface(spec.network);
  return {
    domain: domain(spec, disks, nic),
    // KubeVirt gives this name to the guest over DHCP and in cloud-init's meta-data (local-hostname).
    ...(spec.guest.setHostname && { hostname: desktop }),
    networks: [nic.network],
    volumes: disks.map((a) => a.volume),
    evictionStrategy: spec.evictionStrategy,
    terminationGracePeriodSeconds: terminationGracePeriodSeconds(spec.os.type),
    ...placement(pool),
  };
}

/**
 * How long a stop waits for the guest to shut down before it is powered off. Windows may be
 * installing updates ("don't turn off your computer"); KubeVirt's Windows preferences use an
 * hour too. Linux gets KubeVirt's own default.
 */
function terminationGracePeriodSeconds(os: VMTemplateSpec['os']['type']): number {
  return os === 'Windows' ? 3600 : 180;
}

function domain(spec: VMTemplateSpec, disks: Attachment[], nic: NetworkInterface): DomainSpec {
  return {
    ...cpuAndMemory(spec),
    firmware: firmware(spec.firmware),
    features: features(spec),
    ...(spec.os.type === 'Windows' && { clock: windowsClock() }),
    devices: devices(spec, disks, nic),
  };
}

/**
 * From the template's resources, or nothing at all under an instancetype: the webhook refuses a
 * VM that sets cpu sockets/cores/threads, memory or resources next to an instancetype
 * ("... conflicts with selected instance type", API-NOTES §1.6). memory.guest alone satisfies
 * the "some memory must be requested" rule; KubeVirt derives the pod's request from it.
 */
function cpuAndMemory(spec: VMTemplateSpec): Pick<DomainSpec, 'cpu' | 'memory'> {
  if (spec.instancetype) return {};
  if (!spec.resources) throw new Error('a template without an instancetype needs resources');
  const { cpu, memory } = spec.resources;
  return {
    cpu: { sockets: cpu.sockets, cores: cpu.cores, threads: cpu.threads },
    memory: { guest: String(memory) },
  };
}

// --- firmware and features ------------------------------------------------------------------------

/**
 * secureBoot is always written: KubeVirt defaults it to true whenever efi is present, which
 * would silently need SMM. Persistent NVRAM keeps boot entries and Secure Boot keys across
 * restarts, in KubeVirt's backend storage.
 */
function firmware(fw: VMTemplateSpec['firmware']): Firmware {
  if (fw.type === 'BIOS') return { bootloader: { bios: {} } };
  return { bootloader: { efi: { secureBoot: fw.secureBoot, ...(fw.persistentNVRAM && { persistent: true }) } } };
}

/**
 * ACPI delivers the power button, which is how a stop shuts the guest down cleanly. SMM is
 * required by secure boot (the webhook refuses secure boot without it). Windows also gets APIC and
 * the Hyper-V enlightenments it expects on a hypervisor.
 */
function features(spec: VMTemplateSpec): Features {
  const windows = spec.os.type === 'Windows';
  const secureBoot = spec.firmware.type === 'EFI' && spec.firmware.secureBoot;
  return {
    acpi: {},
    ...(windows && { apic: {} }),
    ...(secureBoot && { smm: {} }),
    ...(windows && { hyperv: windowsHyperv() }),
  };
}

/**
 * The set KubeVirt's windows.* preferences use (API-NOTES §1.8). Dependencies the webhook checks
 * hold: synic needs vpindex, synictimer needs synic, tlbflush and ipi need vpindex. evmcs is left
 * out: it needs nested virtualisation (vmx) on the host.
 */
function windowsHyperv(): HypervFeatures {
  return {
    relaxed: {},
    vapic: {},
    spinlocks: { spinlocks: 8191 },
    vpindex: {},
    runtime: {},
    synic: {},
    synictimer: { direct: {} },
    reset: {},
    frequencies: {},
    reenlightenment: {},
    tlbflush: {},
    ipi: {},
  };
}

/** Windows keeps accurate time with the Hyper-V clock; HPET off and catch-up ticks avoid drift after pauses. */
function windowsClock(): Clock {
  return {
    utc: {},
    timer: { hpet: { present: false }, pit: { tickPolicy: 'delay' }, rtc: { tickPolicy: 'catchup' }, hyperv: {} },
  };
}

// --- devices --------------------------------------------------------------------------------------

function devices(spec: VMTemplateSpec, disks: Attachment[], nic: NetworkInterface): Devices {
  const { display, firmware: fw } = spec;
  const videoType = video(display.video);
  return {
    // The VNC console is the desktop's screen: without a graphics device there is no VNC, and a
    // video type with it set to false is refused. Written out, as it decides whether users see anything.
    autoattachGraphicsDevice: true,
    disks: disks.map((a) => a.disk),
    // An absolute pointer, so the guest cursor follows the VNC cursor without drift. The webhook
    // accepts only the tablet type; USB needs no guest driver (virtio would on Windows).
    inputs: [{ name: 'tablet', type: 'tablet', bus: 'usb' }],
    interfaces: [nic.iface],
    ...(display.sound !== 'None' && { sound: { name: 'audio', model: display.sound === 'AC97' ? 'ac97' : 'ich9' } }),
    ...(videoType && { video: { type: videoType } }),
    // Ephemeral: `{}` (enabled by default), state lost at power-off. Persistent: kept in backend
    // storage, which BitLocker and Windows Hello need across restarts.
    ...(fw.tpm === 'Ephemeral' && { tpm: {} }),
    ...(fw.tpm === 'Persistent' && { tpm: { persistent: true } }),
    // Up to 4 USB devices from the user's machine, through virtualmachineinstances/usbredir.
    ...(display.usbRedirection && { clientPassthrough: {} }),
  };
}

/** Default writes nothing and lets KubeVirt choose (VGA with BIOS, Bochs with EFI). */
function video(type: VMTemplateSpec['display']['video']): VideoType | undefined {
  switch (type) {
    case 'Default':
      return undefined;
    case 'VGA':
      return 'vga';
    case 'Virtio':
      return 'virtio';
    case 'Bochs':
      return 'bochs';
    case 'Cirrus':
      return 'cirrus';
    case 'Ramfb':
      return 'ramfb';
  }
}

// --- disks and guest customization ----------------------------------------------------------------

/** A disk and its volume, always named alike: the webhook refuses a volume without its disk. */
interface Attachment {
  disk: Disk;
  volume: Volume;
}

/**
 * Boot order 1 on the root disk only, so the firmware never tries to boot from the cloud-init
 * disk or the sysprep CD-ROM.
 */
function rootDisk(spec: VMTemplateSpec, desktop: string): Attachment {
  const { source, bus } = spec.rootDisk;
  const volume: Volume = source.containerDisk
    ? { name: 'root', containerDisk: { image: source.containerDisk.image } }
    : { name: 'root', dataVolume: { name: rootDiskName(desktop) } };
  return { disk: { name: 'root', bootOrder: 1, disk: { bus } }, volume };
}

/**
 * cloud-init (NoCloud) reads the Secret's `userdata` key; every Linux kernel has virtio-blk, so
 * that disk is virtio. Sysprep is a CD-ROM holding the Secret's unattend.xml / autounattend.xml;
 * SATA, because Windows reads it without extra drivers and the webhook refuses virtio CD-ROMs.
 */
function guestCustomization(spec: VMTemplateSpec): Attachment | undefined {
  const { cloudInitSecretRef, sysprepSecretRef } = spec.guest;
  if (cloudInitSecretRef) {
    return {
      disk: { name: 'cloudinit', disk: { bus: 'virtio' } },
      volume: { name: 'cloudinit', cloudInitNoCloud: { secretRef: { name: cloudInitSecretRef.name } } },
    };
  }
  if (sysprepSecretRef) {
    return {
      disk: { name: 'sysprep', cdrom: { bus: 'sata' } },
      volume: { name: 'sysprep', sysprep: { secret: { name: sysprepSecretRef.name } } },
    };
  }
  return undefined;
}

// --- network --------------------------------------------------------------------------------------

interface NetworkInterface {
  iface: Interface;
  network: Network;
}

/**
 * One NIC. On the pod network it uses masquerade, the binding that supports live migration and
 * forwards every port to the guest (so RDP works through a Service). On a Multus network it is
 * bridged, so the desktop sits on that LAN with its own address.
 */
function networkInterface(net: VMTemplateSpec['network']): NetworkInterface {
  const name = 'default';
  if (net.multusNetworkName) {
    return {
      iface: { name, model: net.interfaceModel, bridge: {} },
      network: { name, multus: { networkName: net.multusNetworkName } },
    };
  }
  return { iface: { name, model: net.interfaceModel, masquerade: {} }, network: { name, pod: {} } };
}

// --- placement ------------------------------------------------------------------------------------

/**
 * Copied from the pool, in a canonical key order so equal placements render equal VMs.
 * Note: an instancetype that itself sets a nodeSelector conflicts with one here (KubeVirt's
 * common u1/o1 instancetypes set none).
 */
function placement(
  pool: VirtualDesktopPool,
): Pick<VirtualMachineInstanceSpec, 'nodeSelector' | 'tolerations' | 'affinity'> {
  const p = pool.spec.placement;
  if (!p) return {};
  return {
    ...(p.nodeSelector && Object.keys(p.nodeSelector).length > 0 && { nodeSelector: sortedKeys(p.nodeSelector) }),
    ...(p.tolerations && p.tolerations.length > 0 && { tolerations: p.tolerations.map(toleration) }),
    ...(p.affinity && Object.keys(p.affinity).length > 0 && { affinity: sortedKeys(p.affinity) }),
  };
}

function toleration(
  t: NonNullable<NonNullable<VirtualDesktopPool['spec']['placement']>['tolerations']>[number],
): Toleration {
  return {
    ...(t.key !== undefined && { key: t.key }),
    operator: t.operator,
    ...(t.value !== undefined && { value: t.value }),
    ...(t.effect !== undefined && { effect: t.effect }),
    ...(t.tolerationSeconds !== undefined && { tolerationSeconds: t.tolerationSeconds }),
  };
}

// --- helpers --------------------------------------------------------------------------------------

/** A deep copy with object keys sorted: stable output, and nothing shared with the input. */
function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)])) as T;
  }
  return value;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The desktop name is also its hostname, which KubeVirt requires to be a DNS label. */
function assertDnsLabel(value: string, what: string): void {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new Error(`${what} is not a DNS label of at most 63 characters`);
  }
}

/** Label values are at most 63 characters; object names may be longer. */
function assertLabelValue(value: string, what: string): void {
  if (value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
    throw new Error(`${what} cannot be a label value (at most 63 characters)`);
  }
}

function unreachable(message: string): never {
  throw new Error(message);
}
