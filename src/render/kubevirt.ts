// The parts of KubeVirt's kubevirt.io/v1 VirtualMachine that kubevdi writes, and the parts of its
// status that kubevdi reads, as plain interfaces (KubeVirt v1.9.0 field names; CDI v1beta1 for
// dataVolumeTemplates). Deliberately a subset: a field missing here is a field kubevdi does not
// own. The authority is the real CRD schema, which the integration tests apply against.

export const KUBEVIRT_API_VERSION = 'kubevirt.io/v1';

/** A resource.Quantity; kubevdi always writes the string form ("8Gi"). */
export type Quantity = string;

/** An empty object: KubeVirt's "turn this on" marker for structs without fields (`{}`). */
export type Enabled = Record<string, never>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  // Set by the API server on objects read back; never rendered.
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /**
   * Typed as client-node's V1ObjectMeta types it, so a VirtualMachine stays a KubernetesObject;
   * custom objects read as JSON carry the RFC 3339 string, so test presence, not the type.
   */
  deletionTimestamp?: Date;
}

export interface VirtualMachine {
  apiVersion: typeof KUBEVIRT_API_VERSION;
  kind: 'VirtualMachine';
  metadata: ObjectMeta;
  spec: VirtualMachineSpec;
  status?: VirtualMachineStatus;
}

// --- spec -------------------------------------------------------------------------------------

/** Manual, RerunOnFailure and Once exist too; kubevdi only writes Always and Halted (API-NOTES §1.1). */
export type RunStrategy = 'Always' | 'Halted' | 'Manual' | 'RerunOnFailure' | 'Once';

export interface VirtualMachineSpec {
  runStrategy: RunStrategy;
  instancetype?: InstancetypeMatcher;
  preference?: PreferenceMatcher;
  dataVolumeTemplates?: DataVolumeTemplate[];
  template: VirtualMachineInstanceTemplate;
}

export interface InstancetypeMatcher {
  kind: 'VirtualMachineClusterInstancetype' | 'VirtualMachineInstancetype';
  name: string;
}

export interface PreferenceMatcher {
  kind: 'VirtualMachineClusterPreference' | 'VirtualMachinePreference';
  name: string;
}

export interface DataVolumeTemplate {
  metadata: { name: string; labels?: Record<string, string> };
  spec: DataVolumeSpec;
}

/** CDI DataVolumeSpec: exactly one of `sourceRef` and `source`. */
export interface DataVolumeSpec {
  sourceRef?: { kind: 'DataSource'; name: string; namespace: string };
  source?: { pvc: { name: string; namespace: string } };
  /** The `storage` form lets CDI fill accessModes/volumeMode from the StorageProfile. */
  storage: {
    resources: { requests: { storage: Quantity } };
    storageClassName?: string;
    /** Left to the StorageProfile unless the template asks (ReadWriteMany: live-migratable). */
    accessModes?: ('ReadWriteOnce' | 'ReadWriteMany')[];
  };
}

export interface VirtualMachineInstanceTemplate {
  metadata: { labels: Record<string, string> };
  spec: VirtualMachineInstanceSpec;
}

export type EvictionStrategy = 'LiveMigrate' | 'LiveMigrateIfPossible' | 'None' | 'External';

export interface VirtualMachineInstanceSpec {
  domain: DomainSpec;
  hostname?: string;
  networks: Network[];
  volumes: Volume[];
  evictionStrategy: EvictionStrategy;
  terminationGracePeriodSeconds: number;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Record<string, unknown>;
}

export interface DomainSpec {
  cpu?: { sockets: number; cores: number; threads: number };
  memory?: { guest: Quantity };
  firmware: Firmware;
  features: Features;
  clock?: Clock;
  devices: Devices;
}

export interface Firmware {
  bootloader: { bios: Enabled } | { efi: { secureBoot: boolean; persistent?: boolean } };
}

export interface Features {
  acpi: Enabled;
  apic?: Enabled;
  smm?: Enabled;
  hyperv?: HypervFeatures;
}

export interface HypervFeatures {
  relaxed: Enabled;
  vapic: Enabled;
  spinlocks: { spinlocks: number };
  vpindex: Enabled;
  runtime: Enabled;
  synic: Enabled;
  synictimer: { direct: Enabled };
  reset: Enabled;
  frequencies: Enabled;
  reenlightenment: Enabled;
  tlbflush: Enabled;
  ipi: Enabled;
}

export interface Clock {
  utc: Enabled;
  timer: {
    hpet: { present: boolean };
    pit: { tickPolicy: 'delay' | 'catchup' | 'discard' };
    rtc: { tickPolicy: 'delay' | 'catchup' };
    hyperv: Enabled;
  };
}

export type DiskBus = 'virtio' | 'sata' | 'scsi';

export type Disk =
  | { name: string; bootOrder?: number; serial?: string; disk: { bus: DiskBus } }
  | { name: string; bootOrder?: number; cdrom: { bus: 'sata' | 'scsi' } };

export type VideoType = 'vga' | 'virtio' | 'bochs' | 'cirrus' | 'ramfb';

export interface Devices {
  autoattachGraphicsDevice: boolean;
  disks: Disk[];
  inputs: { name: string; type: 'tablet'; bus: 'usb' | 'virtio' }[];
  interfaces: Interface[];
  sound?: { name: string; model: 'ich9' | 'ac97' };
  video?: { type: VideoType };
  tpm?: { persistent?: boolean };
  clientPassthrough?: Enabled;
}

export type Interface =
  | { name: string; model: 'virtio' | 'e1000e'; masquerade: Enabled }
  | { name: string; model: 'virtio' | 'e1000e'; bridge: Enabled };

export type Network = { name: string; pod: Enabled } | { name: string; multus: { networkName: string } };

export type Volume =
  | { name: string; dataVolume: { name: string } }
  | { name: string; containerDisk: { image: string } }
  | { name: string; cloudInitNoCloud: { secretRef: { name: string } } }
  | { name: string; sysprep: { secret: { name: string } } }
  | { name: string; persistentVolumeClaim: { claimName: string; hotpluggable?: boolean } };

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

// --- status (written by virt-controller, read by kubevdi) ------------------------------------------

/** `status.printableStatus`, in the order virt-controller evaluates it (API-NOTES §2.1). */
export const PRINTABLE_STATUSES = [
  'Terminating',
  'Stopping',
  'Migrating',
  'Paused',
  'Running',
  'ErrorPvcNotFound',
  'DataVolumeError',
  'ErrorUnschedulable',
  'Provisioning',
  'WaitingForVolumeBinding',
  'ErrImagePull',
  'ImagePullBackOff',
  'Starting',
  'CrashLoopBackOff',
  'Stopped',
  'WaitingForReceiver',
  'Unknown',
] as const;
export type PrintableStatus = (typeof PRINTABLE_STATUSES)[number];

/** The VM's own condition types; conditions copied from the VMI (AgentConnected, ...) appear too. */
export type VirtualMachineConditionType =
  | 'Failure'
  | 'Ready'
  | 'Paused'
  | 'RestartRequired'
  | 'ManualRecoveryRequired'
  | (string & {});

export interface VirtualMachineCondition {
  type: VirtualMachineConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface VirtualMachineStatus {
  /** Summary for people and printer columns; a newer KubeVirt may add values, so treat others as Unknown. */
  printableStatus?: PrintableStatus;
  /** True exactly when the VMI's Ready condition is True. */
  ready?: boolean;
  /** True when the VMI exists. */
  created?: boolean;
  conditions?: VirtualMachineCondition[];
}
