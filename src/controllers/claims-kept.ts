// A bound claim whose grant and status a pass made right is left alone by the pool's next passes
// until something they are made from changes. In a logon storm the claim controller's pass went
// over every bound claim of the pool to derive its grant and status again and compare them with
// the caches: 66 ms a pass with a thousand bound claims (most of it deep comparisons), pass after
// pass, for the few claims that had changed. What a claim's grant and status are made from: the
// claim (as written), its desktop, its grant's Role and RoleBinding, the pool's spec, and what
// falls due next (a session policy's or maintenance's pending action). Resource versions stand
// for the objects: any change to one is a new version.
import type { KubernetesObject } from '@kubernetes/client-node';

/** What a bound claim's grant and status were made from, compared by the signature it gives. */
export interface KeptInputs {
  claim: KubernetesObject;
  desktop: KubernetesObject | undefined;
  role: KubernetesObject | undefined;
  binding: KubernetesObject | undefined;
  pool: KubernetesObject;
  /** A pending action, or anything else the status says that is decided in the pass. */
  pending: unknown;
}

export function keptSignature(inputs: KeptInputs): string {
  const version = (obj: KubernetesObject | undefined) =>
    obj ? `${obj.metadata?.uid}@${obj.metadata?.resourceVersion}` : '-';
  return [
    version(inputs.claim),
    inputs.desktop ? `${inputs.desktop.metadata?.name}:${version(inputs.desktop)}` : '-',
    version(inputs.role),
    version(inputs.binding),
    `${inputs.pool.metadata?.uid}#${inputs.pool.metadata?.generation}`,
    JSON.stringify(inputs.pending ?? null),
  ].join('|');
}

/** Per claim uid, the signature of the inputs its grant and status were last made right from. */
export class KeptClaims {
  private readonly made = new Map<string, string>();

  /** Nothing changed since the claim's grant and status were made right from `signature`. */
  unchanged(claimUid: string, signature: string): boolean {
    return this.made.get(claimUid) === signature;
  }

  /** The claim's grant and status are right for `signature` (written, or found so). */
  kept(claimUid: string, signature: string): void {
    this.made.set(claimUid, signature);
  }

  /** Drops the claims that are gone. */
  keepOnly(claimUids: ReadonlySet<string>): void {
    for (const uid of this.made.keys()) if (!claimUids.has(uid)) this.made.delete(uid);
  }
}
