// kubevdi's and KubeVirt's objects as the portal reads them as the person: the API's own types
// (src/api for kubevdi's kinds, src/render/kubevirt.ts for KubeVirt's), so a field added to a
// kind is seen here, and the compiler points at every place that reads it wrongly. A spec is
// partial: an object written under an older CRD may lack fields the schema now defaults.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { DesktopClaimSpec, DesktopClaimStatus } from '../api/desktopclaim.js';
import type { VirtualDesktopPoolSpec, VirtualDesktopPoolStatus } from '../api/virtualdesktoppool.js';
import type { VMTemplateSpec, VMTemplateStatus } from '../api/vmtemplate.js';
import type { VirtualMachineStatus } from '../render/kubevirt.js';

type AsRead<Spec, Status> = KubernetesObject & { spec?: Partial<Spec>; status?: Status };

export type ClaimObject = AsRead<DesktopClaimSpec, DesktopClaimStatus>;
export type PoolObject = AsRead<VirtualDesktopPoolSpec, VirtualDesktopPoolStatus>;
export type TemplateObject = AsRead<VMTemplateSpec, VMTemplateStatus>;
/** A VirtualMachine: the person reads only its status (their grant lets them see their own). */
export type VmObject = KubernetesObject & { status?: VirtualMachineStatus };
