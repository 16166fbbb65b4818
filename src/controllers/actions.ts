// The writes the controllers make besides server-side apply and status: deletes guarded by the
// uid (and resourceVersion) their decision was made on, merge patches guarded by a
// resourceVersion, and deletes of what they no longer want. Declared here, next to the controllers
// that call them, so a controller's dependencies say what it may do; src/operator-actions.ts makes
// them out of API calls, and a test may give its own.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { GrantParts } from './claim-grant.js';
import type { ResetActions } from './desktop-reset.js';

/** DeleteOptions.preconditions: the object deleted must still be the one the decision was made on. */
export interface DeletePreconditions {
  uid: string;
  resourceVersion?: string;
}

/** The operations on other objects the claim controller needs; each is one API call. */
export interface ClaimActions extends MoveActions {
  /** JSON merge patch guarded by the resourceVersion in `body.metadata`. */
  patchDesktop(namespace: string, name: string, body: object): Promise<void>;
  /**
   * With the uid (and resourceVersion) the decision was made on: a desktop made anew under that
   * name, or changed, is not deleted. True when this call deleted it; false when it was gone or
   * is someone else's now (a failed precondition).
   */
  deleteDesktop(namespace: string, name: string, preconditions: DeletePreconditions): Promise<boolean>;
  patchClaim(namespace: string, name: string, body: object): Promise<void>;
  /** The uid of the claim of that name as the API server has it now (not a cache); undefined when there is none. */
  liveClaimUid(namespace: string, name: string): Promise<string | undefined>;
  /** Deletes the parts of a claim's grant named in `parts`, each with its uid as a precondition when given. */
  deleteGrant(namespace: string, name: string, parts: GrantParts): Promise<void>;
  profileDisks: ProfileDiskActions;
}

/** Profile disks (issue 18): PersistentVolumeClaims read live (never a cache: a person's data is at stake). */
export interface ProfileDiskActions {
  /** The PVC as the API server has it now; undefined when there is none. */
  read(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined>;
  /** Creates it; the one that exists when another was made first (409), for the caller to check. */
  create(pvc: V1PersistentVolumeClaim): Promise<V1PersistentVolumeClaim>;
  /** JSON merge patch of its annotations; gone is done. */
  annotate(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  /** With its uid as a precondition: only the disk the decision was made on. True when this call deleted it. */
  delete(namespace: string, name: string, uid: string): Promise<boolean>;
  /** KubeVirt's `virtualmachines/addvolume` subresource (AddVolumeOptions). */
  addVolume(namespace: string, desktop: string, options: object): Promise<void>;
}

/** Moving a desktop off a node in maintenance (pool-maintenance.ts). */
export interface MoveActions {
  /**
   * Starts a live migration (a VirtualMachineInstanceMigration of that name for the instance);
   * one that exists already is done.
   */
  migrateDesktop(namespace: string, desktop: string, migration: string, labels: Record<string, string>): Promise<void>;
  /**
   * Stops the desktop's instance (the one with that uid) so KubeVirt starts it again, on a node that
   * is not cordoned: what a restart does. Gone already, or replaced since, is done.
   */
  restartDesktop(namespace: string, desktop: string, instanceUid: string): Promise<void>;
}

/** The pool controller's: desktops removed or recreated, RDP Services no longer wanted, resets in place. */
export interface PoolActions extends MoveActions {
  deleteDesktop: ClaimActions['deleteDesktop'];
  /** Gone already is done. */
  deleteService(namespace: string, name: string): Promise<void>;
  deleteNetworkPolicy(namespace: string, name: string): Promise<void>;
  /** Profile disks past their retention. */
  profileDisks: ProfileDiskActions;
  /** For desktops reset in place (Manual Stateless pools). */
  reset: ResetActions;
}

/** The template controller's: old revisions pruned. */
export interface TemplateActions {
  /** Gone already is done. */
  deleteRevision(namespace: string, name: string): Promise<void>;
}

/** Everything the operator's controllers do through the adapter. */
export type ControllerActions = ClaimActions & PoolActions & TemplateActions;
