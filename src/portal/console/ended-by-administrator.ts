// Whether a connection that just dropped was ended by an administrator: asked by the RDP page when
// it would reconnect after a drop, naming the connection (its ticket told the page its id). IronRDP does not tell the page the gateway's close
// code, so the page asks, and any replica can answer from the claim's end requests
// (console-end.kubevdi.io/<id>, kept a minute after the connection is gone). A question that cannot
// be answered answers "no": the page then reconnects as it would have.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { CLAIM_ANNOTATION } from '../../api/annotations.js';
import { recentlyEndedBy } from '../../api/console-record.js';
import { CLAIMS } from '../../api/desktopclaim.js';
import type { ClaimObject } from '../kube-objects.js';
import { readVm } from '../vms.js';

/** The administrator who ended it, or undefined. */
export async function endedByAdministrator(
  kc: KubeConfig,
  namespace: string,
  desktop: string,
  connection: string,
  now = new Date(),
): Promise<string | undefined> {
  try {
    const claim = (await readVm(kc, namespace, desktop))?.metadata?.annotations?.[CLAIM_ANNOTATION];
    if (!claim) return undefined;
    const object = (await kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ ...CLAIMS, namespace, name: claim })) as ClaimObject;
    return recentlyEndedBy(object.metadata?.annotations, connection, now);
  } catch {
    return undefined;
  }
}
