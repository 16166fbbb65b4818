// Whether the person's connection to a desktop was just ended by an administrator: asked by the
// RDP page when it would reconnect after a drop. IronRDP does not tell the page the gateway's close
// code, so the page asks, and any replica can answer from the claim's end requests
// (console-end.kubevdi.io/<id>, kept a minute after the connection is gone). A question that cannot
// be answered answers "no": the page then reconnects as it would have.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { CLAIM_ANNOTATION } from '../../api/annotations.js';
import { recentlyEndedBy } from '../../api/console-record.js';
import { CLAIMS } from '../../api/desktopclaim.js';
import type { ClaimObject } from '../kube-objects.js';
import { readVm } from '../vms.js';
import { whoami } from '../whoami.js';

/** The administrator who ended it, or undefined. */
export async function endedByAdministrator(
  kc: KubeConfig,
  namespace: string,
  desktop: string,
  now = new Date(),
): Promise<string | undefined> {
  try {
    const claim = (await readVm(kc, namespace, desktop))?.metadata?.annotations?.[CLAIM_ANNOTATION];
    if (!claim) return undefined;
    const [object, me] = await Promise.all([
      kc
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...CLAIMS, namespace, name: claim }) as Promise<ClaimObject>,
      whoami(kc),
    ]);
    return recentlyEndedBy(object.metadata?.annotations, me.username, desktop, now);
  } catch {
    return undefined;
  }
}
