// What virt-handler reports of a hot-plugged volume on the VMI (hotplug.ts does the plugging). Apart
// from hotplug.ts so the VMI status writer (status.ts) can use it without importing the controller.
import type { Volume } from './types.js';

/** Whether a volume was hot-plugged (or may be): KubeVirt's `hotpluggable` on its PVC or DataVolume source. */
export function isHotpluggable(volume: Volume): boolean {
  const source = (volume.persistentVolumeClaim ?? volume.dataVolume) as { hotpluggable?: boolean } | undefined;
  return source?.hotpluggable === true;
}

/** The part of a VMI's `status.volumeStatus` entry virt-handler adds for a mounted hotplug volume. */
export function hotplugStatus(volume: Volume): Record<string, unknown> {
  if (!isHotpluggable(volume)) return {};
  return {
    hotplugVolume: { attachPodName: `hp-volume-${volume.name}`, attachPodUID: `hp-${volume.name}` },
    phase: 'Ready',
    reason: 'VolumeReady',
    message: `Successfully attach hotplugged volume ${volume.name} to VM`,
  };
}
