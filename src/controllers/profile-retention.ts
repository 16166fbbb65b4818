// Which profile disks of a pool have outlived their retention (issue 18): unused — attached to no
// desktop, named by no claim of their person — for longer than `retainDaysAfterLastUse` since they
// were last given back. Pure: the profile disk controller deletes what this says, and looks again
// when the next disk would expire.

export interface ProfileDiskView {
  name: string;
  uid: string;
  /** Its person, from the disk's annotation. */
  person: string | undefined;
  /** When a desktop carrying it was last given back (or when it was made); ISO time. */
  lastReleased: string | undefined;
  created: string | undefined;
}

export interface RetentionInput {
  disks: readonly ProfileDiskView[];
  /** Disks a desktop of the pool carries or was bound with. */
  attached: ReadonlySet<string>;
  /** People with a live claim of the pool: their disk is about to be, or is, in use. */
  claimants: ReadonlySet<string>;
  retainDays: number | undefined;
  now: Date;
}

export interface RetentionVerdict {
  expired: { disk: ProfileDiskView; unusedSince: string }[];
  /** When the next kept disk expires, from now; undefined when none will. */
  recheckInMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function expiredProfileDisks(input: RetentionInput): RetentionVerdict {
  if (input.retainDays === undefined) return { expired: [] };
  const keepMs = input.retainDays * DAY_MS;
  const expired: RetentionVerdict['expired'] = [];
  let recheckInMs: number | undefined;
  for (const disk of input.disks) {
    if (input.attached.has(disk.name)) continue;
    if (disk.person !== undefined && input.claimants.has(disk.person)) continue;
    const since = disk.lastReleased ?? disk.created;
    const sinceMs = Date.parse(since ?? '');
    // A disk with no time on it is kept: deleting someone's data on a guess is worse than keeping it.
    if (since === undefined || Number.isNaN(sinceMs)) continue;
    const left = sinceMs + keepMs - input.now.getTime();
    if (left <= 0) expired.push({ disk, unusedSince: since });
    else recheckInMs = Math.min(recheckInMs ?? Number.POSITIVE_INFINITY, left);
  }
  return { expired, ...(recheckInMs !== undefined ? { recheckInMs } : {}) };
}
