// A pool's per-person profile disk (issue 18): a PersistentVolumeClaim that belongs to one person
// in one pool and outlives every desktop they use, so a Stateless pool's reset keeps their
// documents and settings (FSLogix profile containers, Horizon writable volumes, Citrix user
// layers). Its spec on the pool, its state on the claim; names and labels are the wire contract
// between the operator, the portal and the image that mounts it.
import { z } from 'zod';
import { objectName, positiveQuantity } from './meta.js';

/** The disk's name in the VM (`spec.template.spec.domain.devices.disks[].name`) and its volume's. */
export const PROFILE_DISK_NAME = 'profile';
/**
 * The serial the guest sees: what the image's cloud-init or sysprep finds the disk by
 * (`/dev/disk/by-id/*kubevdi-profile` on Linux; `Get-Disk | Where SerialNumber -eq kubevdi-profile`
 * on Windows), so the disk's order among the others never matters.
 */
export const PROFILE_DISK_SERIAL = 'kubevdi-profile';

export const ProfileDiskSpec = z
  .object({
    size: positiveQuantity('Size of each person\'s profile disk, e.g. "10Gi".', 'profileDisk.size'),
    storageClassName: objectName('StorageClass of the profile disks; the cluster default when empty.').optional(),
    accessMode: z
      .enum(['ReadWriteOnce', 'ReadWriteMany'])
      .default('ReadWriteOnce')
      .describe(
        'Access mode of the profile disks. ReadWriteOnce suits one desktop at a time (maxDesktopsPerUser 1); ReadWriteMany lets the disk follow a live migration.',
      ),
    bus: z
      .enum(['scsi', 'virtio'])
      .default('scsi')
      .describe(
        'Bus the disk is attached on. KubeVirt hot-plugs disks on scsi (and virtio in recent versions); scsi needs no driver on Linux, and Windows has it in the box.',
      ),
    serial: z
      .string()
      .min(1)
      .max(20)
      .regex(/^[A-Za-z0-9_.+-]+$/)
      .default(PROFILE_DISK_SERIAL)
      .describe(
        'Serial number the guest sees, which the image finds the disk by: on Linux /dev/disk/by-id/*<serial> (cloud-init mounts it as /home or the profile location), on Windows Get-Disk by SerialNumber (a startup script or sysprep FirstLogonCommands brings it online and points the profile or FSLogix container at it).',
      ),
    retainDaysAfterLastUse: z
      .int()
      .min(0)
      .max(3650)
      .optional()
      .describe(
        'Days a profile disk is kept after its person last released a desktop of the pool; then it is deleted (an Event says so). Kept for ever when empty; 0 deletes it as soon as it is unused.',
      ),
    deleteWithPool: z
      .boolean()
      .default(false)
      .describe(
        "Delete the profile disks with the pool (they are owned by it). By default deleting the pool keeps them: they are people's data.",
      ),
  })
  .describe(
    "A data disk per person that survives the Stateless reset: made the first time the person gets a desktop of the pool, attached to every desktop they get from it (in the VM before it starts, hot-plugged when it runs), never to anyone else's. The guest's image mounts it by its serial.",
  );

export type ProfileDiskSpec = z.infer<typeof ProfileDiskSpec>;

export const ProfileDiskStatus = z
  .object({
    name: z.string().describe('The PersistentVolumeClaim holding the profile disk.'),
    size: z.string().optional().describe('Its requested size.'),
    attached: z
      .boolean()
      .describe("The disk is in the bound desktop's spec: hot-plugged into it, or there when it starts."),
  })
  .describe("The person's profile disk, when the pool has profile disks.");

export type ProfileDiskStatus = z.infer<typeof ProfileDiskStatus>;
