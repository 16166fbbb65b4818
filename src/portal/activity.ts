// "I'm still here", said on the person's own claim as the person: a merge patch of the one
// annotation the admission policy lets users change. The operator counts the change as activity
// that restarts the pool's idle and logoff timers; the value is the time, so every report differs.

import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ACTIVITY_ANNOTATION } from '../api/annotations.js';
import { CLAIMS } from '../api/desktopclaim.js';

/** Returns the value written. */
export async function reportActivity(
  kc: KubeConfig,
  namespace: string,
  name: string,
  now = new Date(),
): Promise<string> {
  const activity = now.toISOString();
  await kc
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...CLAIMS, namespace, name, body: { metadata: { annotations: { [ACTIVITY_ANNOTATION]: activity } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  return activity;
}
