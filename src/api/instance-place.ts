// Where a desktop runs and whether it can move, as its VirtualMachineInstance says: the node
// (status.nodeName), KubeVirt's LiveMigratable condition (False, with reason
// DisksNotLiveMigratable, for a ReadWriteOnce disk), and the state of its last live migration
// (status.migrationState). Here in src/api because the operator and the Admin Portal both read it.

/** The parts of a VirtualMachineInstance this reads. */
export interface InstanceObject {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: Date | string };
  status?: {
    nodeName?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    migrationState?: {
      migrationUid?: string;
      completed?: boolean;
      failed?: boolean;
      sourceNode?: string;
      targetNode?: string;
      startTimestamp?: string;
      endTimestamp?: string;
    };
  };
}

export interface InstancePlace {
  /** The instance's uid: a restart deletes this one, not one started since. */
  uid?: string;
  node: string | undefined;
  /** LiveMigratable: true or false as KubeVirt says, undefined while it says nothing. */
  migratable: boolean | undefined;
  /** Why not, in KubeVirt's words (e.g. DisksNotLiveMigratable: ... ReadWriteOnce). */
  notMigratableBecause?: string;
  /** A live migration has started and not finished. */
  migrating: boolean;
  /** Its last migration, from the node it runs on now, failed. */
  migrationFailed: boolean;
}

export function instancePlace(vmi: InstanceObject | undefined): InstancePlace {
  const node = vmi?.status?.nodeName || undefined;
  const condition = vmi?.status?.conditions?.find((c) => c.type === 'LiveMigratable');
  const migratable = condition?.status === 'True' ? true : condition?.status === 'False' ? false : undefined;
  const state = vmi?.status?.migrationState;
  const finished = state?.completed === true || state?.failed === true || Boolean(state?.endTimestamp);
  return {
    ...(vmi?.metadata?.uid ? { uid: vmi.metadata.uid } : {}),
    node,
    migratable,
    ...(migratable === false
      ? { notMigratableBecause: [condition?.reason, condition?.message].filter(Boolean).join(': ') }
      : {}),
    // From the handoff to the target (migrationUid, phase Scheduled) on, not only once the copy
    // starts (startTimestamp, phase Running): a migration between the two is in flight too, and one
    // read as not moving was planned again every pass. (Pending and Scheduling leave no trace on the
    // VMI; only the migration objects would show those.)
    migrating: Boolean(state?.migrationUid || state?.startTimestamp) && !finished,
    migrationFailed: state?.failed === true && (state.sourceNode === undefined || state.sourceNode === node),
  };
}
