// The rules KubeVirt's virt-api admission webhooks enforce on a VirtualMachine and its VMI
// template, which the CRD schemas (and so our test API server) do not: the renderer must obey
// them on its own. Each rule cites where KubeVirt v1.9.0 checks it (API-NOTES.md and
// pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go).
import type { VirtualMachine } from '../../src/render/kubevirt.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A loose view of the VM, so the checks can look for fields our types rightly do not have. */
interface Loose {
  [key: string]: unknown;
}
const obj = (v: unknown): Loose => (v !== null && typeof v === 'object' ? (v as Loose) : {});
const list = (v: unknown): Loose[] => (Array.isArray(v) ? v.map(obj) : []);

/** Every rule the VM breaks, as messages; empty when a real virt-api would admit it. */
export function webhookViolations(vm: VirtualMachine): string[] {
  const errors: string[] = [];
  const spec = obj(vm.spec);
  const vmi = obj(obj(spec.template).spec);
  const domain = obj(vmi.domain);
  const devices = obj(domain.devices);
  const features = obj(domain.features);
  const efi = obj(obj(obj(domain.firmware).bootloader).efi);
  const hasEfi = 'efi' in obj(obj(domain.firmware).bootloader);

  // vms-admitter.go: runStrategy required, `running` deprecated and exclusive with it.
  if (!['Always', 'Halted', 'Manual', 'RerunOnFailure', 'Once'].includes(String(spec.runStrategy))) {
    errors.push('RunStrategy must be specified');
  }
  if ('running' in spec) errors.push('spec.running and spec.runStrategy are mutually exclusive');

  // Instancetype conflicts (pkg/instancetype/apply/cpu.go, memory.go).
  if (spec.instancetype) {
    const cpu = obj(domain.cpu);
    for (const f of ['sockets', 'cores', 'threads']) {
      if (f in cpu) errors.push(`spec.template.spec.domain.cpu.${f} conflicts with selected instance type`);
    }
    if ('memory' in domain) errors.push('spec.template.spec.domain.memory conflicts with selected instance type');
    if ('resources' in domain) errors.push('spec.template.spec.domain.resources conflicts with selected instance type');
  } else {
    // ValidateVirtualMachineInstanceMandatoryFields: some memory must be requested.
    const memory = obj(domain.memory);
    const requests = obj(obj(domain.resources).requests);
    if (!memory.guest && !memory.hugepages && !requests.memory) errors.push('no memory requested');
  }

  // validateDomainSpec: secure boot (the default under efi) needs SMM.
  if (hasEfi && efi.secureBoot !== false && !('smm' in features)) {
    errors.push('EFI SecureBoot enabled. SecureBoot requires SMM, which is currently disabled.');
  }
  // validateBootloader
  if (hasEfi && 'bios' in obj(obj(domain.firmware).bootloader)) errors.push('both EFI and BIOS configured');

  // validateInputDevices
  for (const input of list(devices.inputs)) {
    if (input.type !== 'tablet') errors.push('Input device can have only tablet type.');
    if (!['usb', 'virtio', undefined].includes(input.bus as string | undefined)) {
      errors.push('Input device can have only virtio or usb bus.');
    }
  }

  // validateSoundDevices
  if ('sound' in devices) {
    const sound = obj(devices.sound);
    if (!sound.name) errors.push('Sound device requires a name field.');
    if (sound.model !== undefined && sound.model !== 'ich9' && sound.model !== 'ac97') {
      errors.push('Sound device type is not supported.');
    }
  }

  // validateVideoConfig, and the VNC console: a graphics device must be attached.
  if (devices.autoattachGraphicsDevice !== true) errors.push('autoattachGraphicsDevice must be true for VNC');
  if ('video' in devices) {
    if (devices.autoattachGraphicsDevice === false) errors.push('video not allowed without a graphics device');
    // amd64.go
    if (!['vga', 'cirrus', 'virtio', 'ramfb', 'bochs'].includes(String(obj(devices.video).type))) {
      errors.push('video type not supported on amd64');
    }
  }

  // validateVolumes / validateVirtualMachineInstanceSpecVolumeDisks / validateBootOrder / validateDisks
  const disks = list(devices.disks);
  const volumes = list(vmi.volumes);
  const diskNames = disks.map((d) => String(d.name));
  const volumeNames = volumes.map((v) => String(v.name));
  if (new Set(diskNames).size !== diskNames.length) errors.push('disks must not have the same name');
  if (new Set(volumeNames).size !== volumeNames.length) errors.push('volumes must not have the same name');
  for (const v of volumeNames) if (!diskNames.includes(v)) errors.push(`volume ${v} has no disk`);
  for (const d of diskNames) if (!volumeNames.includes(d)) errors.push(`disk ${d} has no volume`);
  for (const d of diskNames) if (!DNS1123_LABEL.test(d)) errors.push(`disk name ${d} is not a DNS label`);
  const bootOrders = disks.map((d) => d.bootOrder).filter((b) => b !== undefined);
  if (new Set(bootOrders).size !== bootOrders.length) errors.push('boot order set for two devices');
  for (const d of disks) {
    const targets = ['disk', 'cdrom', 'lun'].filter((t) => t in d);
    if (targets.length > 1) errors.push(`disk ${d.name} has more than one target`);
    if (obj(d.cdrom).bus === 'virtio') errors.push('Bus type virtio is invalid for CD-ROM device');
  }
  for (const v of volumes) {
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (sources.length !== 1) errors.push(`volume ${v.name} must have exactly one source type set`);
    const dv = obj(v.dataVolume);
    if ('dataVolume' in v) {
      const templates = list(spec.dataVolumeTemplates).map((t) => obj(t.metadata).name);
      if (!templates.includes(dv.name)) errors.push(`dataVolume ${dv.name} has no dataVolumeTemplate`);
    }
  }

  // Interfaces and networks pair up by name (pkg/network/admitter).
  const ifaceNames = list(devices.interfaces).map((i) => i.name);
  const networkNames = list(vmi.networks).map((n) => n.name);
  if (JSON.stringify([...ifaceNames].sort()) !== JSON.stringify([...networkNames].sort())) {
    errors.push('every interface needs a network of the same name and vice versa');
  }

  // validateHostNameNotConformingToDNSLabelRules
  if (vmi.hostname !== undefined && !(DNS1123_LABEL.test(String(vmi.hostname)) && String(vmi.hostname).length <= 63)) {
    errors.push('hostname does not conform to the kubernetes DNS_LABEL rules');
  }

  // validateLiveMigration
  if (
    !['LiveMigrate', 'LiveMigrateIfPossible', 'None', 'External', undefined].includes(vmi.evictionStrategy as string)
  ) {
    errors.push('evictionStrategy is set with an unrecognized option');
  }

  // webhooks/hyperv.go: Hyper-V feature dependencies.
  const hyperv = obj(features.hyperv);
  const requires: [string, string][] = [
    ['synic', 'vpindex'],
    ['synictimer', 'synic'],
    ['tlbflush', 'vpindex'],
    ['ipi', 'vpindex'],
    ['evmcs', 'vapic'],
  ];
  for (const [feature, needs] of requires) {
    if (feature in hyperv && !(needs in hyperv)) errors.push(`hyperv ${feature} requires ${needs}`);
  }
  if ('hyperv' in features && 'hypervPassthrough' in features) errors.push('hyperv and hypervPassthrough');

  return errors;
}
