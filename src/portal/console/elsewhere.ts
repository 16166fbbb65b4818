// One RDP connection per desktop across portal replicas. On one replica the gateway's slots decide
// (rdp-gateway.ts); connections other replicas carry are known from the console records on the
// desktop's claim (console.kubevdi.io/<id>). A second tab or device that reaches another replica is
// told the desktop is open elsewhere, as on the same replica, and taking over marks the other
// connection's record (`takenOverAt`, a change users may make to their own claim); the replica
// carrying it follows the claim and closes it. A record that cannot be read or marked does not stop
// the person: the desktop's RDP server then decides, as Windows does (it ends the older session).
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { CLAIM_ANNOTATION } from '../../api/annotations.js';
import { type ConsoleEntry, consoleAnnotation, openConsoles } from '../../api/console-record.js';
import { CLAIMS } from '../../api/desktopclaim.js';
import type { ClaimObject } from '../kube-objects.js';
import { readVm } from '../vms.js';
import type { ConsoleProtocol } from './metrics.js';

export interface OpenElsewhere {
  claim: string;
  entries: ConsoleEntry[];
}

/** Open connections to `desktop` by `protocol` that this replica does not carry (`mine`). */
export async function openElsewhere(
  kc: KubeConfig,
  namespace: string,
  desktop: string,
  protocol: ConsoleProtocol,
  mine: ReadonlySet<string>,
  now = new Date(),
): Promise<OpenElsewhere | undefined> {
  try {
    const claim = (await readVm(kc, namespace, desktop))?.metadata?.annotations?.[CLAIM_ANNOTATION];
    if (!claim) return undefined;
    const object = (await kc
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ ...CLAIMS, namespace, name: claim })) as ClaimObject;
    const entries = openConsoles(object.metadata?.annotations, now).filter(
      (e) => e.record.protocol === protocol && e.record.desktop === desktop && !mine.has(e.id),
    );
    return entries.length ? { claim, entries } : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the replicas carrying them to end these connections: taken over here. */
export async function takeOverElsewhere(
  kc: KubeConfig,
  namespace: string,
  elsewhere: OpenElsewhere,
  now = new Date(),
): Promise<void> {
  const annotations = Object.fromEntries(
    elsewhere.entries.map((e) => [
      consoleAnnotation(e.id),
      JSON.stringify({ ...e.record, takenOverAt: now.toISOString() }),
    ]),
  );
  await kc
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...CLAIMS, namespace, name: elsewhere.claim, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
}
