// The slices of the KubeVirt and CDI objects the simulator reads and writes, as the API server sends
// them (plain JSON: timestamps are strings). Everything it does not look at stays `unknown`.

export const KUBEVIRT_GROUP = 'kubevirt.io';
export const KUBEVIRT_VERSION = 'v1';
export const CDI_GROUP = 'cdi.kubevirt.io';
export const CDI_VERSION = 'v1beta1';

/** Failure injection: an annotation on the VirtualMachine (or on a DataVolume for CloneFails). */
export const FAILURE_ANNOTATION = 'simulator.kubevdi.io/failure';
export const FAILURE_MODES = ['NeverReady', 'CloneFails', 'CrashLoop'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

// Names KubeVirt v1.9 uses (staging/src/kubevirt.io/api/core/v1/types.go).
/** Set by the VM controller on VMs and on the VMIs it creates ("...Finalize", no trailing r, as upstream). */
export const VM_CONTROLLER_FINALIZER = 'kubevirt.io/virtualMachineControllerFinalize';
/** Set by the VMI controller; removed once the virt-launcher pod is gone. */
export const VMI_FINALIZER = 'foregroundDeleteVirtualMachine';
export const ORPHAN_FINALIZER = 'orphan';
export const VM_GENERATION_ANNOTATION = 'kubevirt.io/vm-generation';
export const LATEST_API_VERSION_ANNOTATION = 'kubevirt.io/latest-observed-api-version';
export const STORAGE_API_VERSION_ANNOTATION = 'kubevirt.io/storage-observed-api-version';
export const NODE_NAME_LABEL = 'kubevirt.io/nodeName';
export const CREATED_BY_LABEL = 'kubevirt.io/created-by';
export const ALLOW_CLAIM_ADOPTION_ANNOTATION = 'cdi.kubevirt.io/allowClaimAdoption';
export const IMMEDIATE_DV_CREATION_ANNOTATION = 'kubevirt.io/immediate-data-volume-creation';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  lastHeartbeatTime?: string | null;
}

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
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface Volume {
  name: string;
  dataVolume?: { name: string };
  persistentVolumeClaim?: { claimName: string; hotpluggable?: boolean };
  containerDisk?: { image: string };
  [source: string]: unknown;
}

export interface VMISpec {
  domain: {
    cpu?: { cores?: number; sockets?: number; threads?: number; [k: string]: unknown };
    memory?: { guest?: string; [k: string]: unknown };
    resources?: { requests?: Record<string, string>; [k: string]: unknown };
    firmware?: { uuid?: string; [k: string]: unknown };
    features?: Record<string, unknown>;
    clock?: Record<string, unknown>;
    devices?: {
      disks?: Array<{ name: string; [k: string]: unknown }>;
      interfaces?: Array<{ name: string; macAddress?: string; [k: string]: unknown }>;
      autoattachPodInterface?: boolean;
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
  networks?: Array<{ name: string; pod?: unknown; [k: string]: unknown }>;
  volumes?: Volume[];
  nodeSelector?: unknown;
  affinity?: unknown;
  tolerations?: unknown;
  [k: string]: unknown;
}

export interface DataVolumeTemplate {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: DataVolumeSpec;
}

export interface StateChangeRequest {
  action: 'Start' | 'Stop';
  uid?: string;
  data?: Record<string, string>;
}

export interface StartFailure {
  consecutiveFailCount: number;
  lastFailedVMIUID: string;
  retryAfterTimestamp: string;
}

export interface VMStatus {
  printableStatus?: string;
  ready?: boolean;
  created?: boolean;
  runStrategy?: string;
  conditions?: Condition[];
  observedGeneration?: number;
  desiredGeneration?: number;
  startFailure?: StartFailure | null;
  stateChangeRequests?: StateChangeRequest[];
  [k: string]: unknown;
}

export interface VirtualMachine extends KubeObject {
  spec: {
    runStrategy?: string;
    running?: boolean;
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: VMISpec };
    dataVolumeTemplates?: DataVolumeTemplate[];
    [k: string]: unknown;
  };
  status?: VMStatus;
}

export interface PhaseTransition {
  phase: string;
  phaseTransitionTimestamp: string;
}

export interface VMIStatus {
  phase?: string;
  conditions?: Condition[];
  phaseTransitionTimestamps?: PhaseTransition[];
  nodeName?: string;
  virtualMachineRevisionName?: string;
  interfaces?: Array<{ name?: string; ipAddress?: string; [k: string]: unknown }>;
  [k: string]: unknown;
}

export interface VirtualMachineInstance extends KubeObject {
  spec: VMISpec;
  status?: VMIStatus;
}

export interface DataVolumeSpec {
  source?: Record<string, unknown>;
  sourceRef?: { kind: string; name: string; namespace?: string };
  storage?: { accessModes?: string[]; [k: string]: unknown };
  pvc?: { accessModes?: string[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface DataVolumeStatus {
  phase?: string;
  progress?: string;
  claimName?: string;
  restartCount?: number;
  conditions?: Condition[];
}

export interface DataVolume extends KubeObject {
  spec: DataVolumeSpec;
  status?: DataVolumeStatus;
}

export interface DataSource extends KubeObject {
  spec: { source?: { pvc?: { name: string; namespace?: string }; snapshot?: { name: string; namespace?: string } } };
}

/** What the simulator reads of a PVC: the access modes that decide LiveMigratable. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: { accessModes?: string[] };
}

/** VirtualMachineInstanceMigrationState, on the VMI and (a copy) on the migration. */
export interface MigrationState {
  migrationUid?: string;
  sourceNode?: string;
  sourcePod?: string;
  targetNode?: string;
  targetPod?: string;
  targetNodeAddress?: string;
  targetDirectMigrationNodePorts?: Record<string, number>;
  targetNodeDomainDetected?: boolean;
  targetNodeDomainReadyTimestamp?: string;
  startTimestamp?: string;
  endTimestamp?: string;
  mode?: string;
  completed?: boolean;
  failed?: boolean;
  failureReason?: string;
  abortStatus?: string;
  [k: string]: unknown;
}

/** VirtualMachineInstanceMigration (kubevirt.io/v1). */
export interface Migration extends KubeObject {
  spec: { vmiName: string; addedNodeSelector?: Record<string, string>; [k: string]: unknown };
  status?: {
    phase?: string;
    phaseTransitionTimestamps?: Array<{ phase: string; phaseTransitionTimestamp: string }>;
    migrationState?: MigrationState;
    conditions?: Condition[];
    [k: string]: unknown;
  };
}

/** `namespace/name`; `/name` for cluster-scoped objects (nodes). */
export function key(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function controllerRef(vm: VirtualMachine): OwnerReference {
  return {
    apiVersion: `${KUBEVIRT_GROUP}/${KUBEVIRT_VERSION}`,
    kind: 'VirtualMachine',
    name: vm.metadata.name,
    uid: vm.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function failureMode(...objs: Array<KubeObject | undefined>): FailureMode | undefined {
  for (const obj of objs) {
    const value = obj?.metadata.annotations?.[FAILURE_ANNOTATION];
    if (value && (FAILURE_MODES as readonly string[]).includes(value)) return value as FailureMode;
  }
  return undefined;
}
